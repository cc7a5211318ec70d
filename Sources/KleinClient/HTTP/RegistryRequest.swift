import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// A request to a registry, described so it can be sent again after a challenge, a redirect or a
/// transient failure.
struct RegistryRequest: Sendable {
    enum Target: Sendable {
        /// A path below the registry's origin, with any query, e.g. `/v2/app/tags/list?n=100`.
        case path(String)
        /// An absolute URL or a path the registry gave back, e.g. an upload session's `Location`.
        case location(String)
    }

    var method: HTTPMethod
    var target: Target
    var headers: HTTPHeaders = [:]
    /// Makes the body for one attempt; nil sends none.
    var body: (@Sendable () -> HTTPClientRequest.Body)?
    /// Whether `body` can be made more than once. A body streamed from another server cannot, so such a
    /// request is never retried after it started.
    var replayable = true
    /// Token scopes the request needs (distribution token scope grammar, e.g. `repository:app:pull`).
    var scopes: [String]
    /// What the request does, for messages: `GET manifest app:v1`.
    var summary: String
    /// How long the request may take until the response head arrives (bodies stream afterwards).
    var timeout: TimeAmount = .seconds(120)

    init(_ method: HTTPMethod, _ target: Target, scopes: [String], summary: String) {
        self.method = method
        self.target = target
        self.scopes = scopes
        self.summary = summary
    }
}

/// Token scopes (docker token-scope spec: `repository:<name>:<actions>`, `registry:catalog:*`).
enum Scope {
    static func pull(_ repository: String) -> String { "repository:\(repository):pull" }
    static func push(_ repository: String) -> String { "repository:\(repository):pull,push" }
    static func delete(_ repository: String) -> String { "repository:\(repository):delete" }
    static let catalog = "registry:catalog:*"
}

extension HTTPClientResponse {
    /// Reads and drops a body the caller does not need (at most 64 KiB), so the connection can be reused.
    /// A body can be read once: call this only after deciding the response is not an error to report.
    func discardBody() async {
        _ = try? await body.collect(upTo: 1 << 16)
    }
}
