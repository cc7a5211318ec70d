import AsyncHTTPClient
import Foundation
import KleinOCI
import NIOCore
import NIOHTTP1
import Synchronization

/// A client for one registry (distribution-spec v1.1): finds its origin with the `/v2/` ping, authenticates
/// as its challenges ask, retries transient failures and follows redirects without carrying credentials to
/// another origin. The operations live in `RegistryClient+*.swift`.
public final class RegistryClient: Sendable {
    /// `host[:port]`, as in a `Reference`.
    public let registry: String
    let session: RegistrySession
    let authenticator: Authenticator
    private let origin = Mutex<String?>(nil)

    init(registry: String, session: RegistrySession) {
        self.registry = registry
        self.session = session
        let credential: @Sendable () throws(ClientError) -> RegistryCredential? = {
            [store = session.credentialStore, flags = session.options.credentials[registry]] () throws(ClientError) -> RegistryCredential? in
            if let flags { return flags }
            return try store.credential(for: registry)
        }
        self.authenticator = Authenticator(registry: registry, http: session.http, credential: credential)
    }

    var options: ClientOptions { session.options }

    /// Where the registry's API is served: Docker Hub's names (`docker.io`) are not its API host.
    var apiHost: String { registry == "docker.io" ? "registry-1.docker.io" : registry }

    var isLoopback: Bool {
        (try? Reference(registry: registry, repository: "x", tag: nil, digest: nil))?.isLoopbackRegistry ?? false
    }

    /// The schemes to try, in order. Loopback registries (which Docker too treats as insecure) are tried
    /// with HTTP first: an HTTP request to a TLS server fails at once, while a TLS handshake with a
    /// plain-HTTP server waits for a timeout. Other hosts use HTTPS, and HTTP only with `--insecure`.
    var schemes: [String] {
        if isLoopback { return ["http", "https"] }
        return options.insecure ? ["https", "http"] : ["https"]
    }

    /// The `/v2/` ping (distribution-spec, "Determining support"): picks the first of `schemes` that
    /// answers, and learns the authentication scheme from a 401 challenge.
    @discardableResult
    public func ping() async throws(ClientError) -> String {
        if let known = origin.withLock({ $0 }) { return known }
        var failures: [(request: String, error: any Error)] = []
        for scheme in schemes {
            let candidate = "\(scheme)://\(apiHost)"
            var request = HTTPClientRequest(url: "\(candidate)/v2/")
            request.method = .GET
            do {
                let response = try await session.http.execute(request, timeout: .seconds(30))
                let status = Int(response.status.code)
                await response.discardBody()
                if status == 401 {
                    await authenticator.learn(AuthChallenge.parse(response.headers["WWW-Authenticate"]))
                } else if status == 404 {
                    throw ClientError.protocolViolation(registry: registry, reason: "\(candidate)/v2/ answered 404: not an OCI distribution registry")
                }
                origin.withLock { $0 = candidate }
                return candidate
            } catch let error as ClientError {
                throw error
            } catch {
                failures.append(("GET \(candidate)/v2/", error))
            }
        }
        // The most preferred scheme's failure is the error; the others and a hint complete the message.
        let others = failures.dropFirst().map { "; \($0.request): \(TransportError.describe($0.error))" }
        let hint = schemes.contains("http") ? "" : " (plain HTTP is tried only for localhost and loopback addresses, or with --insecure)"
        let note = others.joined() + hint
        throw .transport(TransportError(endpoint: registry, request: failures[0].request, stage: .connecting, underlying: failures[0].error,
                                        note: note.isEmpty ? nil : note))
    }

    /// Sends `request`, answering authentication challenges, following redirects and retrying transient
    /// failures. Returns the first response that is none of those; the caller checks its status and reads its body.
    func send(_ request: RegistryRequest) async throws(ClientError) -> HTTPClientResponse {
        let base = try await ping()
        var url = request.target.url(relativeTo: base)
        var method = request.method
        var sendsBody = request.body != nil
        var attempt = 1
        var answeredChallenge = false
        var redirects = 0
        var crossedOrigin = false
        while true {
            var http = HTTPClientRequest(url: url)
            http.method = method
            http.headers = request.headers
            if !crossedOrigin, let authorization = try await authenticator.authorization(for: request.scopes) {
                http.headers.replaceOrAdd(name: "Authorization", value: authorization)
            }
            if sendsBody, let body = request.body { http.body = body() }
            let canRepeat = request.replayable || !sendsBody
            let response: HTTPClientResponse
            do {
                response = try await session.http.execute(http, timeout: request.timeout)
            } catch {
                let failure = TransportError(endpoint: registry, request: request.summary, stage: .connecting, underlying: error)
                guard canRepeat, failure.isRetryable, attempt < options.retry.attempts, !Task.isCancelled else { throw .transport(failure) }
                try await options.retry.pause(afterAttempt: attempt)
                attempt += 1
                continue
            }
            let status = Int(response.status.code)
            if status == 401 && !crossedOrigin && !answeredChallenge && canRepeat {
                let challenges = AuthChallenge.parse(response.headers["WWW-Authenticate"])
                await response.discardBody()
                try await authenticator.answer(challenges, scopes: request.scopes, request: request.summary)
                answeredChallenge = true
                continue
            }
            if [301, 302, 303, 307, 308].contains(status), let location = response.headers.first(name: "Location") {
                await response.discardBody()
                redirects += 1
                guard redirects <= 5 else {
                    throw .protocolViolation(registry: registry, reason: "\(request.summary): more than 5 redirects")
                }
                let next = RegistryRequest.Target.location(location).url(relativeTo: url)
                // Credentials belong to the registry's origin only (RFC 9110 section 15.4: a client must not
                // forward them to another origin); a storage backend authorizes with its signed URL.
                if Self.origin(of: next) != Self.origin(of: base) { crossedOrigin = true }
                if status == 303 {
                    method = .GET
                    sendsBody = false
                }
                url = next
                continue
            }
            if RetryPolicy.isTransient(status: status), canRepeat, attempt < options.retry.attempts {
                let retryAfter = response.headers.first(name: "Retry-After")
                await response.discardBody()
                try await options.retry.pause(afterAttempt: attempt, retryAfter: retryAfter)
                attempt += 1
                continue
            }
            return response
        }
    }

    /// The error for an unexpected response, from its distribution-spec error body.
    func failure(_ response: HTTPClientResponse, _ request: RegistryRequest, notFound: String? = nil) async -> ClientError {
        let status = Int(response.status.code)
        let bytes = (try? await response.body.collect(upTo: 1 << 16)).map { Array($0.readableBytesView) } ?? []
        let body = ErrorBody(bytes: bytes)
        switch status {
        case 404 where notFound != nil:
            return .notFound(what: notFound!)
        case 401, 403:
            return .unauthorized(registry: registry, request: request.summary, reason: "HTTP \(status) \(body.code ?? ""): \(body.message)")
        default:
            return .registry(registry: registry, request: request.summary, status: status, code: body.code, message: body.message)
        }
    }

    /// `scheme://host:port` with the scheme's default port made explicit, for comparing origins (RFC 6454).
    static func origin(of url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else { return url }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\((components.host ?? "").lowercased()):\(port)"
    }

    /// Reads a whole response body of at most `limit` bytes: a longer one breaks the protocol, one that
    /// breaks off is a transport failure.
    func collect(_ response: HTTPClientResponse, upTo limit: Int, for request: RegistryRequest) async throws(ClientError) -> ByteBuffer {
        do {
            return try await response.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw .protocolViolation(registry: registry, reason: "\(request.summary): the answer is longer than the \(limit) bytes allowed")
        } catch {
            throw .transport(TransportError(endpoint: registry, request: request.summary, stage: .receiving, underlying: error))
        }
    }
}

extension RegistryRequest.Target {
    /// The absolute URL: a path is appended to `base` (an origin such as `https://host:5000`), a location
    /// resolves against `base` (the URL that returned it) unless it is absolute.
    func url(relativeTo base: String) -> String {
        switch self {
        case let .path(path):
            return base + path
        case let .location(location):
            if location.hasPrefix("http://") || location.hasPrefix("https://") { return location }
            return URL(string: location, relativeTo: URL(string: base))?.absoluteString ?? location
        }
    }
}

extension RegistryClient {
    /// Checks that the registry accepts the session's credentials, as `docker login` does: the `/v2/`
    /// endpoint with credentials (a token with no scope under the token flow) must answer 200.
    public func verifyLogin() async throws(ClientError) {
        let request = RegistryRequest(.GET, .path("/v2/"), scopes: [], summary: "log in")
        let response = try await send(request)
        guard response.status == .ok else { throw await failure(response, request) }
        await response.discardBody()
    }
}
