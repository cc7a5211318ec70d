import KleinClient
import KleinOCI
import KleinPlatform

/// Why `klein release create` could not take its image: fetching it failed (the client's own error,
/// so whether a retry could help stays known), its config could not be read, or the image does not
/// suit the manifest.
enum ReleaseImageError: WrappingError, CustomStringConvertible {
    /// Fetching failed while doing `what`.
    case fetch(what: String, ClientError)
    /// A fetched document could not be read while doing `what`.
    case content(what: String, OCIError)
    /// The image does not suit the platform manifest.
    case platform(PlatformError)
    /// Something else failed while doing `what`.
    case failed(what: String, reason: String)

    static func wrapping(_ error: any Error, what: String) -> ReleaseImageError {
        switch error {
        case let error as ClientError: .fetch(what: what, error)
        case let error as OCIError: .content(what: what, error)
        case let error as PlatformError: .platform(error)
        default: .failed(what: what, reason: "\(error)")
        }
    }

    var description: String {
        switch self {
        case let .fetch(what, error): "\(what): \(error)"
        case let .content(what, error): "\(what): \(error)"
        case let .platform(error): error.description
        case let .failed(what, reason): "\(what): \(reason)"
        }
    }
}
