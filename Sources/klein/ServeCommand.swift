import ArgumentParser
import Foundation
import KleinRegistry
import KleinStore
import KleinSystem
import Logging

/// `klein serve`: the OCI distribution-spec v1.1 registry.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an OCI registry (distribution-spec v1.1) on a local data directory.",
        discussion: """
        Settings come from the defaults, then --config FILE (TOML), then flags. Data lives in one blob \
        pool shared by all repositories plus a SQLite database, under --data.

        Examples:
          klein serve                                   # http://127.0.0.1:5000, data in ./klein-data
          klein serve --listen 0.0.0.0:5000 --auth token --htpasswd users.htpasswd --policy access.toml \\
                      --tls-cert cert.pem --tls-key key.pem
          klein serve --config registry.toml --gc-interval 1h
        """
    )

    @OptionGroup var settings: RegistrySettings

    func run() async throws {
        let configuration = try settings.resolve()
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = configuration.logFormat == .json
                ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
            return handler
        }
        let logger = Logger(label: "klein.registry")
        let lock = try DataDirectoryLock(configuration.dataDirectory)
        let service = try RegistryService(configuration: configuration, metrics: RegistryMetrics(), logger: logger)
        // SIGTERM and SIGINT are handled before the ready line appears: one sent as soon as it does is not lost.
        try await RegistryServer(service: service, logger: logger).run { url in
            Output.writeRaw(Array("klein registry listening on \(url)\n".utf8))
        }
        withExtendedLifetime(lock) {}
        logger.info("registry stopped")
    }
}

/// The settings `klein serve` and `klein registry` share: a TOML file and flags over it.
struct RegistrySettings: ParsableArguments {
    @Option(help: "TOML configuration file (see the README for its sections).") var config: String?
    @Option(help: "Address to listen on, HOST:PORT (default 127.0.0.1:5000; port 0 picks a free one).") var listen: String?
    @OptionGroup var dataOption: DataOption
    @Flag(help: "Refuse DELETE of manifests, tags and blobs (405 UNSUPPORTED).") var noDelete = false
    @Option(help: "Largest manifest accepted, in bytes (default and minimum 4194304).") var maxManifestSize: Int?
    @Option(help: "Authentication: none, basic or token.") var auth: String?
    @Option(help: "htpasswd file with bcrypt hashes (basic and token modes).") var htpasswd: String?
    @Option(help: "Access policy file (TOML) mapping users and groups to repositories and actions.") var policy: String?
    @Option(help: "The token service name (token mode).") var tokenService: String?
    @Option(help: "The token endpoint URL to advertise (token mode; default /token on this server).") var tokenRealm: String?
    @Option(help: "How long issued tokens are valid, e.g. 5m (token mode; default 5m).") var tokenLifetime: DurationArgument?
    @Option(help: "TLS certificate chain (PEM).") var tlsCert: String?
    @Option(help: "TLS private key (PEM).") var tlsKey: String?
    @Option(help: "Run garbage collection this often, e.g. 1h (default: never; see klein registry gc).") var gcInterval: DurationArgument?
    @Option(help: "Never collect blobs younger than this, e.g. 1h (default 1h).") var gcGrace: DurationArgument?
    @Option(help: "Remove upload sessions idle this long, e.g. 24h (default 24h).") var uploadExpiry: DurationArgument?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String?
    @Option(help: "Log format: text or json.") var logFormat: String?

    func resolve() throws -> RegistryConfiguration {
        var configuration = RegistryConfiguration()
        do {
            if let config { try configuration.load(tomlFile: config) }
            if let listen { try configuration.setListen(listen) }
            if let data = dataOption.data { configuration.dataDirectory = data }
            if noDelete { configuration.deleteEnabled = false }
            if let maxManifestSize { configuration.maxManifestSize = maxManifestSize }
            if let auth {
                guard let mode = RegistryConfiguration.AuthMode(rawValue: auth) else {
                    throw ConfigurationError.invalid(key: "--auth", reason: "\"\(auth)\" is not one of none, basic, token")
                }
                configuration.authMode = mode
            }
            if let htpasswd { configuration.htpasswdFile = htpasswd }
            if let policy { configuration.policyFile = policy }
            if let tokenService { configuration.tokenService = tokenService }
            if let tokenRealm { configuration.tokenRealm = tokenRealm }
            if let tokenLifetime { configuration.tokenLifetime = tokenLifetime.seconds }
            if let tlsCert { configuration.tlsCertificate = tlsCert }
            if let tlsKey { configuration.tlsKey = tlsKey }
            if let gcInterval { configuration.gcInterval = gcInterval.seconds }
            if let gcGrace { configuration.gcGrace = gcGrace.seconds }
            if let uploadExpiry { configuration.uploadExpiry = uploadExpiry.seconds }
            if let logLevel {
                guard Logger.Level(rawValue: logLevel) != nil else {
                    throw ConfigurationError.invalid(key: "--log-level", reason: "\"\(logLevel)\" is not a log level")
                }
                configuration.logLevel = logLevel
            }
            if let logFormat {
                guard let format = RegistryConfiguration.LogFormat(rawValue: logFormat) else {
                    throw ConfigurationError.invalid(key: "--log-format", reason: "\"\(logFormat)\" is not one of text, json")
                }
                configuration.logFormat = format
            }
            try configuration.validate()
        } catch let error as ConfigurationError {
            throw CLIError(error.description)
        }
        return configuration
    }
}

/// An exclusive lock on `<data>/registry.lock`: one server per data directory.
struct DataDirectoryLock {
    private let file: POSIXFile

    init(_ directory: String) throws {
        do {
            try FileSystem.makeDirectories(directory)
            file = try POSIXFile.open("\(directory)/registry.lock", flags: O_RDWR | O_CREAT, mode: 0o644)
        } catch {
            throw CLIError("cannot use data directory \(directory): \(error)")
        }
        guard flock(file.fd, LOCK_EX | LOCK_NB) == 0 else {
            throw CLIError("data directory \(directory) is in use by another klein serve")
        }
    }
}
