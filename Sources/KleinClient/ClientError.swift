import KleinOCI
import KleinStore
import KleinSystem

/// Errors raised by KleinClient. Each names the registry, reference, file or digest involved and the reason.
public enum ClientError: Error, Sendable, CustomStringConvertible {
    /// A request got no answer, or its answer broke off (DNS, a refused or lost connection, TLS, a
    /// timeout); ``TransportError/isRetryable`` tells whether another attempt may succeed.
    case transport(TransportError)
    /// The registry answered with an error status; `code`/`message` come from the distribution-spec error body.
    case registry(registry: String, request: String, status: Int, code: String?, message: String)
    /// The registry asked for credentials that were missing or rejected.
    case unauthorized(registry: String, request: String, reason: String)
    /// A manifest, tag, blob or repository does not exist.
    case notFound(what: String)
    /// Content received did not match its descriptor or the digest it was requested by.
    case verificationFailed(what: String, error: OCIError)
    /// The registry answered something a conforming registry never would.
    case protocolViolation(registry: String, reason: String)
    /// A credentials file could not be read or written, or is malformed.
    case credentials(source: String, reason: String)
    /// A `docker-credential-<name>` helper failed or answered something unreadable.
    case credentialHelper(name: String, reason: String)
    /// Something the user asked for cannot be done, e.g. plain HTTP to a remote host without `--insecure`.
    case invalidRequest(String)
    /// A document fetched or read could not be parsed.
    case invalidContent(what: String, error: OCIError)
    /// Reading or writing a local layout or file failed.
    case store(StoreError)
    /// A file operation outside a layout failed (a credentials file that cannot be read or written).
    case system(SystemError)
    /// The task doing the transfer was cancelled.
    case cancelled

    /// The error as one line: the registry, reference, file or digest involved and the reason.
    public var description: String {
        switch self {
        case let .transport(error):
            error.description
        case let .registry(registry, request, status, code, message):
            "\(registry): \(request) failed with HTTP \(status)\(code.map { " \($0)" } ?? ""): \(message)"
        case let .unauthorized(registry, request, reason):
            "\(registry): \(request) was refused: \(reason)"
        case let .notFound(what):
            "\(what) not found"
        case let .verificationFailed(what, error):
            "\(what): \(error)"
        case let .protocolViolation(registry, reason):
            "\(registry) broke the distribution protocol: \(reason)"
        case let .credentials(source, reason):
            "credentials in \(source): \(reason)"
        case let .credentialHelper(name, reason):
            "credential helper docker-credential-\(name): \(reason)"
        case let .invalidRequest(reason):
            reason
        case let .invalidContent(what, error):
            "\(what): \(error)"
        case let .store(error):
            error.description
        case let .system(error):
            error.description
        case .cancelled:
            "cancelled"
        }
    }

    /// Whether another attempt may cure the failure: a transport failure that ``TransportError/isRetryable``,
    /// or a registry that is overloaded, rate limiting or briefly failing (429, 500, 502, 503, 504). A
    /// refusal, a missing manifest, content that does not verify or bad input are final.
    public var isRetryable: Bool {
        switch self {
        case let .transport(error): error.isRetryable
        case let .registry(_, _, status, _, _): RetryPolicy.isTransient(status: status)
        default: false
        }
    }
}

extension ClientError {
    /// What a failure while reading a blob stream from `source` means: typed errors keep their case, a
    /// cancelled task is ``cancelled``, and anything else (a lost connection) is a ``transport(_:)``
    /// failure at the ``TransportError/Stage/receiving`` stage.
    static func reading(_ source: String, _ error: any Error) -> ClientError {
        switch error {
        case let error as ClientError: error
        case let error as StoreError: .store(error)
        case is CancellationError: .cancelled
        default: .transport(TransportError(endpoint: source, request: nil, stage: .receiving, underlying: error))
        }
    }
}
