import AsyncHTTPClient
import NIOSSL

/// A request that got no answer, or whose answer broke off: whom it went to, what it asked, and the
/// error the HTTP client or the connection raised (AsyncHTTPClient's `HTTPClientError`, NIO's `IOError`
/// or `NIOConnectionError`, `NIOSSLError`, …), kept as it was raised.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    /// How far the exchange got.
    public enum Stage: Sendable {
        /// No answer arrived: the name did not resolve, the connection or TLS handshake failed, or the
        /// server did not answer in time.
        case connecting
        /// An answer was arriving and broke off: a lost connection, a peer gone, a stalled body.
        case receiving
    }

    /// Whom the request went to: a registry's `host[:port]`, or a source's description.
    public let endpoint: String
    /// What was asked, for messages (`GET blob app@sha256:…`, `token service https://auth/token`); nil
    /// for a stream that a source was sending.
    public let request: String?
    /// How far the exchange got.
    public let stage: Stage
    /// The error the HTTP client or the connection raised.
    public let underlying: any Error
    /// Appended to the message as it is: other attempts' failures, a hint at the fix.
    public let note: String?

    /// A failure of `request` to `endpoint` at `stage`, raised as `underlying`.
    package init(endpoint: String, request: String?, stage: Stage, underlying: any Error, note: String? = nil) {
        (self.endpoint, self.request, self.stage, self.underlying, self.note) = (endpoint, request, stage, underlying, note)
    }

    /// Whether another attempt may succeed: a refused or lost connection, a timeout, an unknown host
    /// (name service hiccups pass) are worth retrying; a certificate that is not trusted, an invalid URL
    /// or a cancelled task are not.
    public var isRetryable: Bool { Self.isRetryable(underlying) }

    static func isRetryable(_ error: any Error) -> Bool {
        switch error {
        case is CancellationError:
            return false
        case let error as HTTPClientError:
            // Timeouts and closed connections may pass; a request this client cannot send never will.
            return ![.invalidURL, .emptyHost, .emptyScheme, .missingSocketPath, .alreadyShutdown, .cancelled, .bodyLengthMismatch,
                     .redirectLimitReached, .redirectCycleDetected, .traceRequestWithBody,
                     .identityCodingIncorrectlyPresent, .proxyAuthenticationRequired,
                     .invalidRedirectConfiguration, .invalidHTTPVersionConfiguration, .invalidDNSOverridesConfiguration,
                     .invalidLocalAddress, .invalidProxyConfiguration].contains(error)
        case let error as NIOSSLError:
            if case .uncleanShutdown = error { return true }
            return false
        case is BoringSSLError:
            return false
        default:
            return true
        }
    }

    /// The underlying error in words, with a hint for an untrusted certificate.
    public var cause: String { Self.describe(underlying) }

    /// A connection-level error in words, with a hint for an untrusted certificate.
    static func describe(_ underlying: any Error) -> String {
        if underlying is NIOSSLError || underlying is BoringSSLError {
            let text = "\(underlying)"
            let hint = text.contains("CERTIFICATE_VERIFY_FAILED") ? " (the certificate is not trusted; --insecure skips verification)" : ""
            return "TLS: \(text)\(hint)"
        }
        return "\(underlying)"
    }

    /// `cannot reach registry R: REQUEST: CAUSE` or `SOURCE: REQUEST: transfer interrupted: CAUSE`.
    public var description: String {
        let request = request.map { "\($0): " } ?? ""
        switch stage {
        case .connecting: return "cannot reach registry \(endpoint): \(request)\(cause)\(note ?? "")"
        case .receiving: return "\(endpoint): \(request)transfer interrupted: \(cause)\(note ?? "")"
        }
    }
}
