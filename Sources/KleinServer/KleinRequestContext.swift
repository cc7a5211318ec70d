import Hummingbird
import NIOCore

/// A request context that carries a `RequestRecord` and the client's address: what Klein's shared
/// middleware needs from any server's context.
package protocol RecordingRequestContext: RequestContext {
    /// What this request's middleware and handler have learned about it.
    var record: RequestRecord { get }
    /// The client's address as `IP:PORT`, for logs and per-client limits; "-" when unknown.
    var remote: String { get }
}

/// The request context of every Klein HTTP server.
package struct KleinRequestContext: RecordingRequestContext {
    /// Hummingbird's own per-request storage.
    package var coreContext: CoreRequestContextStorage
    /// What this request's middleware and handler have learned about it.
    package let record = RequestRecord()
    /// The client's address as `IP:PORT`.
    package let remote: String

    /// Makes the context of a request arriving on `source.channel`.
    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remote = source.channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "-"
    }

    /// No body size limit of Hummingbird's own: Klein's `BodySizeLimitMiddleware` sets limits per request.
    package var maxUploadSize: Int { .max }
}
