import KleinArchive
import KleinClient
import KleinConfig
import KleinOCI
import KleinStore
import KleinSystem

/// Errors raised by KleinBuild. Each names the spec key, source, artifact or object involved and the
/// reason; a lower module's failure keeps its own type, with what the build was doing when it failed.
public enum BuildError: WrappingError, Sendable, CustomStringConvertible {
    /// The build spec has problems; all of them, each with its key path and line.
    case invalidSpec(file: String, problems: [ConfigProblem])
    /// A source could not be fetched or does not hold what the spec pins.
    case source(artifact: String, reason: String)
    /// The image is not a Klein build (no embedded spec and sources) or its embedded content is damaged.
    case notABuild(image: String, reason: String)
    /// A registry, layout or download failed while doing `what`; ``ClientError/isRetryable`` tells
    /// whether another attempt may succeed.
    case client(what: String, ClientError)
    /// The blob store or a layout failed while doing `what`.
    case store(what: String, StoreError)
    /// Writing or reading an archive (a layer, a source tree) failed while doing `what`.
    case archive(what: String, ArchiveError)
    /// A file or process operation failed while doing `what`.
    case system(what: String, SystemError)
    /// A document (a manifest, a config) could not be read while doing `what`.
    case content(what: String, OCIError)
    /// Something went wrong while doing `what`: a tool that failed, a base image that does not fit.
    case failed(what: String, reason: String)

    /// The error as the CLI prints it: what was being done, the input involved and the reason.
    public var description: String {
        switch self {
        case let .invalidSpec(file, problems):
            return ConfigProblem.report(problems, in: file)
        case let .source(artifact, reason):
            return "artifact \"\(artifact)\": \(reason)"
        case let .notABuild(image, reason):
            return "\(image) is not a rebuildable Klein image: \(reason)"
        case let .client(what, error):
            return "\(what): \(error)"
        case let .store(what, error):
            return "\(what): \(error)"
        case let .archive(what, error):
            return "\(what): \(error)"
        case let .system(what, error):
            return "\(what): \(error)"
        case let .content(what, error):
            return "\(what): \(error)"
        case let .failed(what, reason):
            return "\(what): \(reason)"
        }
    }

    /// The lower module's error as this one's case; an error of a type no Klein module raises (one of
    /// Foundation's) is described in words.
    package static func wrapping(_ error: any Error, what: String) -> BuildError {
        switch error {
        case let error as ClientError: .client(what: what, error)
        case let error as StoreError: .store(what: what, error)
        case let error as ArchiveError: .archive(what: what, error)
        case let error as SystemError: .system(what: what, error)
        case let error as OCIError: .content(what: what, error)
        default: .failed(what: what, reason: "\(error)")
        }
    }
}
