/// One thing wrong with a configuration document: where (`artifact[1].source.commit`, line 12)
/// and what to do about it. Readers collect every problem of a document, so a user fixes it in one round.
public struct ConfigProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// The key the problem is about (`ports[0].name`); empty for the document as a whole.
    public let keyPath: String
    /// The 1-based line of the key, when the document has lines.
    public let line: Int?
    /// What is wrong and, where it helps, what to write instead.
    public let message: String

    /// A problem at `keyPath` (empty for the whole document), on `line` when known.
    public init(keyPath: String, line: Int?, message: String) {
        self.keyPath = keyPath
        self.line = line
        self.message = message
    }

    /// `FILE: N problems:` and one indented line per problem, as every validator prints them.
    public static func report(_ problems: [ConfigProblem], in file: String) -> String {
        let lines = problems.map { "  \($0.location): \($0.message)" }
        return "\(file): \(problems.count) problem\(problems.count == 1 ? "" : "s"):\n" + lines.joined(separator: "\n")
    }

    private var location: String {
        let key = keyPath.isEmpty ? "(top level)" : keyPath
        return line.map { "line \($0): \(key)" } ?? key
    }

    /// `line N: key.path: message`.
    public var description: String { "\(location): \(message)" }
}
