import KleinConfig
import KleinOCI

/// Errors raised by KleinPlatform. Each names the manifest key, event, release or image involved and the reason.
public enum PlatformError: WrappingError, Sendable, CustomStringConvertible {
    /// The platform manifest has problems; all of them, each with its key path and line.
    case invalidManifest(file: String, problems: [ConfigProblem])
    /// The event log's hash chain is broken at `sequence`.
    case tamperedLog(path: String, sequence: Int64, reason: String)
    /// A release cannot be made or used.
    case release(String)
    /// A database, store or network operation failed.
    case failed(what: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidManifest(file, problems):
            return ConfigProblem.report(problems, in: file)
        case let .tamperedLog(path, sequence, reason):
            return "\(path): event \(sequence): \(reason)"
        case let .release(reason):
            return reason
        case let .failed(what, reason):
            return "\(what): \(reason)"
        }
    }
}
