import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// One Klein HTTP/1.1 server on Hummingbird: binds (port 0 picks a free port), serves `responder`,
/// optionally over TLS, beside background services, until SIGTERM or SIGINT. A shutdown stops
/// accepting connections, closes idle ones and lets requests in flight finish, for at most the
/// settings' `shutdownTimeout`, before cancelling what is left.
package struct KleinHTTPServer<Responder: HTTPResponder>: Sendable
where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    let responder: Responder
    let settings: HTTPServerSettings
    let logger: Logger

    /// A server of `responder` with `settings`, logging to `logger`.
    package init(responder: Responder, settings: HTTPServerSettings, logger: Logger) {
        self.responder = responder
        self.settings = settings
        self.logger = logger
    }

    /// Serves until a shutdown signal (or cancellation) ends it. `onListening` gets the server's URL
    /// (`http://127.0.0.1:5000`) once the socket is bound, with the shutdown signals already trapped.
    package func run(beside services: [any Service] = [], onListening: @escaping @Sendable (String) async -> Void) async throws {
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ExpectContinueHandler()],
            idleTimeout: .seconds(settings.idleTimeout.components.seconds))
        let server: HTTPServerBuilder
        if let tls = settings.tls {
            server = try .tls(.http1(configuration: http1), tlsConfiguration: tls.configuration())
        } else {
            server = .http1(configuration: http1)
        }
        let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
        let scheme = settings.tls == nil ? "http" : "https"
        let requestedPort = settings.port
        let application = Application(
            responder: responder, server: server,
            configuration: ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), backlog: 512, reuseAddress: true),
            onServerRunning: { channel in
                await onListening("\(scheme)://\(host):\(channel.localAddress?.port ?? requestedPort)")
            },
            logger: logger)
        // Background services end when the server does; the server is shut down first (services stop in reverse order).
        var members: [ServiceGroupConfiguration.ServiceConfiguration] = services.map { service in
            ServiceGroupConfiguration.ServiceConfiguration(service: service, successTerminationBehavior: .ignore)
        }
        members.append(ServiceGroupConfiguration.ServiceConfiguration(service: application, successTerminationBehavior: .gracefullyShutdownGroup))
        var configuration = ServiceGroupConfiguration(services: members, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = settings.shutdownTimeout
        configuration.maximumCancellationDuration = .seconds(5)
        try await ServiceGroup(configuration: configuration).run()
    }
}
