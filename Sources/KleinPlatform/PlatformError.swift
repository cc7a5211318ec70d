import GRDB
import KleinConfig
import KleinOCI
import KleinSystem

/// Errors raised by KleinPlatform. Each names the manifest key, event, release or image involved and
/// the reason; a lower module's failure keeps its own type, with what was being done when it failed.
public enum PlatformError: WrappingError, Sendable, CustomStringConvertible {
    /// The platform manifest has problems; all of them, each with its key path and line.
    case invalidManifest(file: String, problems: [ConfigProblem])
    /// The event log's hash chain is broken at `sequence`.
    case tamperedLog(path: String, sequence: Int64, reason: String)
    /// A release cannot be made or used.
    case release(String)
    /// The event log's database failed while doing `what`: GRDB's `DatabaseError` (a busy or corrupt
    /// database, a refused write), as GRDB raised it.
    case database(what: String, any Error)
    /// A file operation failed while doing `what`.
    case system(what: String, SystemError)
    /// A document (an image config, a descriptor) could not be read while doing `what`.
    case content(what: String, OCIError)
    /// Something else went wrong while doing `what`.
    case failed(what: String, reason: String)

    /// The error as the CLI prints it: the file, event or operation involved and the reason.
    public var description: String {
        switch self {
        case let .invalidManifest(file, problems):
            return ConfigProblem.report(problems, in: file)
        case let .tamperedLog(path, sequence, reason):
            return "\(path): event \(sequence): \(reason)"
        case let .release(reason):
            return reason
        case let .database(what, error):
            return "\(what): \(error)"
        case let .system(what, error):
            return "\(what): \(error)"
        case let .content(what, error):
            return "\(what): \(error)"
        case let .failed(what, reason):
            return "\(what): \(reason)"
        }
    }

    /// The lower module's error as this one's case; an error of a type no module below raises is
    /// described in words.
    package static func wrapping(_ error: any Error, what: String) -> PlatformError {
        switch error {
        case let error as DatabaseError: .database(what: what, error)
        case let error as SystemError: .system(what: what, error)
        case let error as OCIError: .content(what: what, error)
        default: .failed(what: what, reason: "\(error)")
        }
    }
}
