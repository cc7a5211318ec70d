import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The registry's HTTP/1.1 server: binds, serves each connection on its own task, and shuts down
/// gracefully (stops accepting, closes idle connections, lets requests in flight finish).
public final class RegistryServer: Sendable {
    private let service: RegistryService
    private let configuration: RegistryConfiguration
    private let tracker = ConnectionTracker()
    private let logger: Logger
    private let listener = Mutex<(any Channel)?>(nil)
    private let tlsContext: NIOSSLContext?

    public init(service: RegistryService, logger: Logger) throws {
        self.service = service
        self.configuration = service.configuration
        self.logger = logger
        if let certificate = configuration.tlsCertificate, let key = configuration.tlsKey {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            tlsContext = try NIOSSLContext(configuration: tls)
        } else {
            tlsContext = nil
        }
    }

    /// Binds the listening socket and returns the URL clients reach it at.
    public func bind() async throws -> (url: String, serve: @Sendable () async throws -> Void) {
        let tlsContext = tlsContext
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tlsContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tlsContext))
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(backPressureStrategy: .init(lowWatermark: 4, highWatermark: 32)))
                }
            }
        // A shutdown requested while binding closes the listener at once.
        if listener.withLock({ current in
            defer { current = server.channel }
            return tracker.isShuttingDown
        }) {
            server.channel.close(promise: nil)
        }
        let port = server.channel.localAddress?.port ?? configuration.port
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        let url = "\(tlsContext == nil ? "http" : "https")://\(host):\(port)"
        let connection = HTTPConnection(responder: service, tracker: tracker, metrics: service.metrics,
                                        logger: logger, usesTLS: tlsContext != nil)
        let connections = tracker
        let serve: @Sendable () async throws -> Void = {
            let watchdog = Task {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(1))
                    connections.closeExpired()
                }
            }
            defer { watchdog.cancel() }
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await child in inbound {
                        group.addTask { await connection.serve(child) }
                    }
                }
            }
        }
        return (url, serve)
    }

    /// Stops accepting connections; requests in flight finish, then `serve` returns.
    public func shutdown() {
        tracker.beginShutdown()
        listener.withLock { $0?.close(promise: nil) }
    }
}
