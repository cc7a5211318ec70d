/// Everything `klein serve` can be told, with the defaults a team gets without a config file.
public struct RegistryConfiguration: Sendable, Equatable {
    /// How clients authenticate (`[auth] mode`); `.basic` and `.token` need `htpasswdFile`.
    public enum AuthMode: String, Sendable, CaseIterable {
        /// Anyone may do anything; for loopback and trusted networks.
        case none
        /// HTTP Basic against an htpasswd file (bcrypt).
        case basic
        /// The Docker token flow with Klein's own token endpoint at `/token`.
        case token
    }

    /// How log lines are written: human-readable text, or one JSON object per line (`JSONLogHandler`).
    public enum LogFormat: String, Sendable, CaseIterable {
        case text, json
    }

    /// The host name or IP address to listen on; loopback by default.
    public var host = "127.0.0.1"
    /// 0 picks a free port; the ready line names it.
    public var port = 5000
    /// Where the blob pool, upload sessions and metadata database live; created when missing.
    public var dataDirectory = "./klein-data"
    /// Whether `DELETE` of manifests, tags and blobs is allowed (405 `UNSUPPORTED` otherwise).
    public var deleteEnabled = true
    /// Largest manifest a `PUT` may carry (413 above it); at least 4 MiB as distribution-spec asks.
    public var maxManifestSize = 4 << 20
    /// Upload sessions untouched for this long are removed, in seconds.
    public var uploadExpiry: Int64 = 24 * 3600
    /// Seconds between online garbage collections; `nil` runs none (use `klein registry gc`).
    public var gcInterval: Int64?
    /// Blobs younger than this many seconds are never collected, referenced or not.
    public var gcGrace: Int64 = 3600
    /// How clients authenticate; anyone may do anything by default.
    public var authMode = AuthMode.none
    /// The htpasswd file (bcrypt) of users; required unless `authMode` is `.none`.
    public var htpasswdFile: String?
    /// The access policy file; without one, `.none` mode grants everyone full access and the other modes every authenticated user.
    public var policyFile: String?
    /// The `service` named in token challenges and the `aud` of tokens.
    public var tokenService = "klein-registry"
    /// The token endpoint URL to advertise; defaults to `/token` on the address the client used.
    public var tokenRealm: String?
    /// Token lifetime in seconds.
    public var tokenLifetime: Int64 = 300
    /// PEM certificate chain to serve HTTPS with; given together with `tlsKey`, or plain HTTP without both.
    public var tlsCertificate: String?
    /// PEM private key for `tlsCertificate`.
    public var tlsKey: String?
    /// The swift-log level name: trace, debug, info, notice, warning, error or critical.
    public var logLevel = "info"
    /// Text log lines by default.
    public var logFormat = LogFormat.text

    /// The defaults: loopback port 5000, `./klein-data`, no authentication, deletes allowed, no scheduled GC.
    public init() {}

    /// The minimum manifest limit distribution-spec requires registries to accept.
    public static let minimumManifestLimit = 4 << 20

    /// Checks the settings that files and flags cannot check one at a time.
    public func validate() throws(ConfigurationError) {
        guard (0...65535).contains(port) else { throw .invalid(key: "listen", reason: "port \(port) is outside 0…65535") }
        guard maxManifestSize >= Self.minimumManifestLimit else {
            throw .invalid(key: "max_manifest_size", reason: "\(maxManifestSize) is below the 4 MiB distribution-spec requires")
        }
        guard uploadExpiry > 0 else { throw .invalid(key: "upload_expiry", reason: "must be positive") }
        if let gcInterval, gcInterval <= 0 { throw .invalid(key: "gc.interval", reason: "must be positive") }
        guard gcGrace >= 0 else { throw .invalid(key: "gc.grace", reason: "must not be negative") }
        guard (tlsCertificate == nil) == (tlsKey == nil) else {
            throw .invalid(key: "tls", reason: "a certificate and a key must be given together")
        }
        if authMode != .none, htpasswdFile == nil {
            throw .invalid(key: "auth.htpasswd", reason: "auth mode \"\(authMode.rawValue)\" needs an htpasswd file")
        }
        guard tokenLifetime > 0 else { throw .invalid(key: "auth.token_lifetime", reason: "must be positive") }
    }
}

/// A configuration file or flag that cannot be used, naming the key and the reason.
public enum ConfigurationError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case syntax(path: String, line: Int, column: Int, reason: String)
    case invalid(key: String, reason: String)

    /// A message for the operator naming the file (with line and column) or the key, and the reason.
    public var description: String {
        switch self {
        case let .unreadable(path, reason): "cannot read configuration \(path): \(reason)"
        case let .syntax(path, line, column, reason): "\(path):\(line):\(column): \(reason)"
        case let .invalid(key, reason): "configuration \"\(key)\": \(reason)"
        }
    }
}
