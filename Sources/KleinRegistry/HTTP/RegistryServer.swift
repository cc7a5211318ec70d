import Hummingbird
import KleinServer
import Logging

/// The registry's HTTP server: Klein's server stack (`KleinServer`) with, outermost first, request
/// logging, metrics, the registry's routing, access control and body limits in front of its endpoints.
public struct RegistryServer: Sendable {
    private let service: RegistryService
    private let logger: Logger

    /// A server for `service`, logging requests to `logger`.
    public init(service: RegistryService, logger: Logger) {
        self.service = service
        self.logger = logger
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully (requests in flight finish), with
    /// the periodic maintenance running beside it. `onListening` gets the URL (`http://HOST:PORT`)
    /// once the socket is bound.
    public func run(onListening: @escaping @Sendable (String) async -> Void) async throws {
        let configuration = service.configuration
        var settings = HTTPServerSettings(host: configuration.host, port: configuration.port)
        if let certificate = configuration.tlsCertificate, let key = configuration.tlsKey {
            settings.tls = TLSFiles(certificateChain: certificate, privateKey: key)
        }
        let server = KleinHTTPServer(responder: responder(), settings: settings, logger: logger)
        let service = service
        try await server.run(beside: [TaskService(name: "registry maintenance") { await service.runPeriodicMaintenance() }],
                             onListening: onListening)
    }

    /// The endpoints behind the middleware stack, outermost last.
    func responder() -> some HTTPResponder<RegistryRequestContext> {
        let maxManifestSize = service.configuration.maxManifestSize
        let bodyLimit = BodySizeLimitMiddleware<RegistryRequestContext>(
            limit: { _, context in Self.bodyLimit(context.request, maxManifestSize: maxManifestSize) },
            refusal: { _, context, limit in
                let request = context.request
                let error = if case .manifest = request.route {
                    RegistryService.manifestTooLarge(request.header(.contentLength).flatMap { Int($0) }, limit: limit)
                } else {
                    RegistryService.bodyTooLarge(limit: limit)
                }
                return RegistryResponse(error: error).response(isHead: request.isHead)
            })
        return RegistryResponder(service: service)
            .behind(bodyLimit)
            .behind(AuthorizationMiddleware(RegistryAuthorizer(access: service.access)))
            .behind(RegistryRouting())
            .behind(RequestMetricsMiddleware<RegistryRequestContext>(recorder: service.metrics))
            .behind(RequestLogMiddleware<RegistryRequestContext>(logger: logger))
    }

    /// The most body bytes a request may send: uploads stream to disk unbounded, a manifest is held in
    /// memory up to the configured limit, a token form is small, and other endpoints read no body.
    static func bodyLimit(_ request: RegistryRequest, maxManifestSize: Int) -> Int? {
        switch request.route {
        case .uploads, .upload: nil
        case .manifest: maxManifestSize
        case .token: 64 << 10
        default: 1 << 20
        }
    }
}
