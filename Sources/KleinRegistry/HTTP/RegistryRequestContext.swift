import Hummingbird
import KleinServer

/// The registry's request context: Klein's request record, plus the request as the endpoints read
/// it, parsed once by `RegistryRouting`.
struct RegistryRequestContext: RecordingRequestContext {
    var coreContext: CoreRequestContextStorage
    let record = RequestRecord()
    let remote: String
    /// Set by `RegistryRouting` before any other registry middleware runs.
    var parsed: RegistryRequest?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remote = source.channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "-"
    }

    /// Unlimited here: `BodySizeLimitMiddleware` sets each request's limit.
    var maxUploadSize: Int { .max }

    /// The parsed request; `RegistryRouting` runs first, so it is there.
    var request: RegistryRequest {
        guard let parsed else { preconditionFailure("RegistryRouting did not run before a registry handler") }
        return parsed
    }
}
