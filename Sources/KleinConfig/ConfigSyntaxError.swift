import KleinOCI

/// Why a document could not be read into a tree at all: nothing of it is checked further.
public enum ConfigSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The TOML parser refused the text; `line` and `column` are 1-based, when the parser knows them.
    case toml(line: Int?, column: Int?, reason: String)
    /// The text was refused before parsing because the parser would crash or mangle it (a table
    /// header without a key, a key of very many dotted parts, a NUL escape).
    case refused(line: Int, reason: String)
    /// The canonical JSON Klein records of a document could not be read.
    case json(OCIError)

    /// The error as the one problem of a problem list.
    public var problem: ConfigProblem {
        switch self {
        case let .toml(line, _, reason): ConfigProblem(keyPath: "", line: line, message: "TOML syntax: \(reason)")
        case let .refused(line, reason): ConfigProblem(keyPath: "", line: line, message: reason)
        case let .json(error): ConfigProblem(keyPath: "", line: nil, message: "JSON: \(error)")
        }
    }

    /// The error as its problem prints: `line N: message`.
    public var description: String { problem.description }
}
