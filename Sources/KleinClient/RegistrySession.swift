import AsyncHTTPClient
import KleinOCI
import NIOCore
import NIOSSL
import Synchronization

/// Settings shared by every registry a command talks to.
public struct ClientOptions: Sendable {
    /// Allows plain HTTP to any host and TLS without certificate verification. Without it plain HTTP is
    /// used only for `localhost` and loopback addresses.
    public var insecure = false
    /// How transient failures are retried.
    public var retry = RetryPolicy()
    /// Blobs transferred at once.
    public var parallelBlobs = 4
    /// Blobs at least this large are uploaded in chunks of this size, so a dropped connection resumes
    /// instead of restarting.
    public var chunkSize: Int64 = 64 << 20
    /// Credentials given on the command line, by registry (`host[:port]`); they win over stored ones.
    public var credentials: [String: RegistryCredential] = [:]

    /// The defaults: HTTPS only (HTTP for loopback), 5 attempts, 4 blobs at once, 64 MiB chunks.
    public init() {}
}

/// One HTTP client, credential source and set of options shared by every registry a command talks to.
/// Hands out one `RegistryClient` per registry so that tokens and the learned scheme are reused.
public final class RegistrySession: Sendable {
    let http: HTTPClient
    /// The settings every client of the session uses.
    public let options: ClientOptions
    let credentialStore: CredentialStore
    private let clients = Mutex<[String: RegistryClient]>([:])

    /// A session with `options`, reading stored credentials from `credentialStore`.
    public init(options: ClientOptions = ClientOptions(), credentialStore: CredentialStore = CredentialStore()) {
        var tls = TLSConfiguration.makeClientConfiguration()
        if options.insecure { tls.certificateVerification = .none }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(15), read: .seconds(120), write: .seconds(120)),
            decompression: .disabled
        )
        // Klein retries with its own backoff (RetryPolicy); the pool's silent retries until the connect
        // timeout would turn a refused certificate or an unknown host into a 15-second wait.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(8, options.parallelBlobs)
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.options = options
        self.credentialStore = credentialStore
    }

    /// The client for `registry` (`host[:port]` as in a `Reference`).
    public func client(for registry: String) -> RegistryClient {
        clients.withLock { clients in
            if let client = clients[registry] { return client }
            let client = RegistryClient(registry: registry, session: self)
            clients[registry] = client
            return client
        }
    }

    /// Closes every connection. Call once, when the command is done.
    public func shutdown() async {
        try? await http.shutdown()
    }
}
