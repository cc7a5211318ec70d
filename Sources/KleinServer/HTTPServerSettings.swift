/// Where a Klein HTTP server listens and how.
package struct HTTPServerSettings: Sendable {
    /// The address to bind: a host name or IP address.
    package var host: String
    /// The port to bind; 0 picks a free one.
    package var port: Int
    /// Serve HTTPS with these files, else plain HTTP.
    package var tls: TLSFiles?
    /// How long a client may stay silent (between requests, or inside a request body) before its
    /// connection is closed.
    package var idleTimeout: Duration = .seconds(120)
    /// How long a graceful shutdown waits for requests in flight before cancelling them.
    package var shutdownTimeout: Duration = .seconds(60)

    /// Listens on `host:port`, over TLS when `tls` is given.
    package init(host: String, port: Int, tls: TLSFiles? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
    }
}
