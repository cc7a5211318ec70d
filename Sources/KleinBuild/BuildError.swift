import KleinConfig
import KleinOCI

/// Errors raised by KleinBuild. Each names the spec key, source, artifact or object involved and the reason.
public enum BuildError: WrappingError, Sendable, CustomStringConvertible {
    /// The build spec has problems; all of them, each with its key path and line.
    case invalidSpec(file: String, problems: [ConfigProblem])
    /// A source could not be fetched or does not hold what the spec pins.
    case source(artifact: String, reason: String)
    /// The image is not a Klein build (no embedded spec and sources) or its embedded content is damaged.
    case notABuild(image: String, reason: String)
    /// A file-system, store, archive or network operation failed.
    case failed(what: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidSpec(file, problems):
            return ConfigProblem.report(problems, in: file)
        case let .source(artifact, reason):
            return "artifact \"\(artifact)\": \(reason)"
        case let .notABuild(image, reason):
            return "\(image) is not a rebuildable Klein image: \(reason)"
        case let .failed(what, reason):
            return "\(what): \(reason)"
        }
    }
}
