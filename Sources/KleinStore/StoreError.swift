import KleinOCI
import KleinSystem

/// Errors raised by KleinStore. Each names the path or digest involved and the reason.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// A file operation failed.
    case system(SystemError)
    /// A blob is not in the store.
    case blobNotFound(digest: Digest, store: String)
    /// Content did not match what was expected of it.
    case verificationFailed(what: String, error: OCIError)
    /// A directory is not a usable OCI image layout.
    case invalidLayout(path: String, reason: String)
    /// A reference name is not in the layout's `index.json`.
    case refNotFound(name: String, layout: String)
    /// A reference name does not match image-layout's ref grammar.
    case invalidRefName(name: String, reason: String)
    /// A document stored in the layout could not be read.
    case invalidContent(what: String, error: OCIError)
    /// A blob is larger than the caller allows to read into memory.
    case blobTooLarge(digest: Digest, size: Int64, limit: Int64)

    /// The error as one line: the path or digest involved and the reason.
    public var description: String {
        switch self {
        case let .system(error):
            return error.description
        case let .blobNotFound(digest, store):
            return "blob \(digest) not found in \(store)"
        case let .verificationFailed(what, error):
            return "\(what): \(error)"
        case let .invalidLayout(path, reason):
            return "\(path) is not a usable OCI image layout: \(reason)"
        case let .refNotFound(name, layout):
            return "reference \"\(name)\" not found in \(layout)/index.json"
        case let .invalidRefName(name, reason):
            return "invalid reference name \"\(name)\": \(reason)"
        case let .invalidContent(what, error):
            return "\(what): \(error)"
        case let .blobTooLarge(digest, size, limit):
            return "blob \(digest) is \(size) bytes, more than the \(limit) bytes allowed here"
        }
    }
}

extension StoreError {
    /// Runs `body`, a `KleinSystem` operation, wrapping its failure as `.system`.
    package static func wrap<T>(_ body: () throws(SystemError) -> T) throws(StoreError) -> T {
        do { return try body() } catch { throw .system(error) }
    }
}
