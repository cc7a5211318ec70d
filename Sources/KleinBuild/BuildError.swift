import KleinOCI

/// Errors raised by KleinBuild. Each names the spec key, source, artifact or object involved and the reason.
public enum BuildError: WrappingError, Sendable, CustomStringConvertible {
    /// The build spec has problems; all of them, each with its key path and line.
    case invalidSpec(file: String, problems: [SpecProblem])
    /// A source could not be fetched or does not hold what the spec pins.
    case source(artifact: String, reason: String)
    /// The image is not a Klein build (no embedded spec and sources) or its embedded content is damaged.
    case notABuild(image: String, reason: String)
    /// A file-system, store, archive or network operation failed.
    case failed(what: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidSpec(file, problems):
            return SpecProblem.report(problems, in: file)
        case let .source(artifact, reason):
            return "artifact \"\(artifact)\": \(reason)"
        case let .notABuild(image, reason):
            return "\(image) is not a rebuildable Klein image: \(reason)"
        case let .failed(what, reason):
            return "\(what): \(reason)"
        }
    }
}

/// One thing wrong with a build spec: where (`artifact[1].source.commit`, line 12) and what to do about it.
public struct SpecProblem: Sendable, Hashable, CustomStringConvertible {
    public let keyPath: String
    public let line: Int?
    public let message: String

    public init(keyPath: String, line: Int?, message: String) {
        self.keyPath = keyPath
        self.line = line
        self.message = message
    }

    /// `FILE: N problems:` and one indented line per problem, as both validators print them.
    public static func report(_ problems: [SpecProblem], in file: String) -> String {
        let lines = problems.map { "  \($0.location(in: file)): \($0.message)" }
        return "\(file): \(problems.count) problem\(problems.count == 1 ? "" : "s"):\n" + lines.joined(separator: "\n")
    }

    func location(in file: String) -> String {
        let key = keyPath.isEmpty ? "(top level)" : keyPath
        return line.map { "line \($0): \(key)" } ?? key
    }

    public var description: String { "\(location(in: "")): \(message)" }
}
