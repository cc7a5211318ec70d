import Foundation
import KleinOCI
import KleinStore
import KleinSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where registry credentials are kept, read and written the way docker and podman/skopeo do:
/// containers-auth.json(5) (`$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`) first,
/// then docker's `config.json` (docker CLI reference, "docker login": "Credential stores", "Credential helpers").
///
/// In either file, `credHelpers[registry]` names a `docker-credential-<name>` helper for one registry,
/// `credsStore` one for all registries, and otherwise `auths[registry]` holds the credential itself.
/// Errors never contain a password or token.
public struct CredentialStore: Sendable {
    /// The containers-format file read first: `$REGISTRY_AUTH_FILE`, or else
    /// `$XDG_RUNTIME_DIR/containers/auth.json` when that file exists.
    public let containersAuthFile: String?
    /// docker's configuration: `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`.
    public let dockerConfigFile: String?
    /// Whether `$REGISTRY_AUTH_FILE` is set, which makes `store` write to `containersAuthFile`.
    let writesContainersFile: Bool
    /// The colon-separated directories searched for `docker-credential-<name>`.
    let helperSearchPath: String
    /// The environment helpers run with.
    let environment: [String: String]
    /// How long a helper may run before it is killed.
    var helperTimeout: Duration = .seconds(30)

    /// Resolves the credential files from `environment`; `helperSearchPath` replaces `$PATH`
    /// when looking for credential helpers.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, helperSearchPath: String? = nil) {
        func variable(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let file = variable("REGISTRY_AUTH_FILE") {
            containersAuthFile = file
            writesContainersFile = true
        } else {
            let runtimeFile = variable("XDG_RUNTIME_DIR").map { "\($0)/containers/auth.json" }
            containersAuthFile = runtimeFile.flatMap { FileSystem.exists($0) ? $0 : nil }
            writesContainersFile = false
        }
        if let directory = variable("DOCKER_CONFIG") {
            dockerConfigFile = "\(directory)/config.json"
        } else {
            dockerConfigFile = variable("HOME").map { "\($0)/.docker/config.json" }
        }
        self.helperSearchPath = helperSearchPath ?? variable("PATH") ?? "/usr/local/bin:/usr/bin:/bin"
        self.environment = environment
    }

    /// The files read, in lookup order.
    var files: [String] { [containersAuthFile, dockerConfigFile].compactMap { $0 } }

    /// The credential for `registry` (a host, `host:port`, or a URL such as `https://index.docker.io/v1/`),
    /// or nil when no file or helper has one. Missing files are skipped; a malformed one is an error.
    public func credential(for registry: String) throws(ClientError) -> RegistryCredential? {
        let host = try Self.normalizedRegistry(registry)
        for file in files {
            guard let document = try Self.readDocument(file) else { continue }
            if let name = try Self.helperName(for: host, in: document, source: file) {
                if let found = try helper(name).get(serverURL: Self.serverURL(for: host)) { return found }
                continue
            }
            let auths = try Self.auths(in: document, source: file)
            for key in Self.matchingKeys(for: host, in: auths) {
                if let found = try Self.credential(fromEntry: auths[key], key: key, source: file) { return found }
            }
        }
        return nil
    }

    func helper(_ name: String) throws(ClientError) -> CredentialHelper {
        try CredentialHelper(name: name, searchPath: helperSearchPath, environment: environment, timeout: helperTimeout)
    }
}

// MARK: - Registry names

extension CredentialStore {
    /// Docker Hub's canonical name and the other names it goes by in credential files.
    static let dockerHub = "docker.io"
    static let dockerHubAliases: Set<String> = ["docker.io", "index.docker.io", "registry-1.docker.io"]
    /// The key docker and its helpers use for Docker Hub.
    static let dockerHubServerURL = "https://index.docker.io/v1/"

    /// The registry host a credential key or registry argument names, as docker's `ConvertToHostname`:
    /// scheme and path removed, lowercased, every Docker Hub alias turned into `docker.io`.
    static func normalizedRegistry(_ name: String) throws(ClientError) -> String {
        guard let host = hostname(name) else {
            throw .invalidRequest("\"\(name)\" is not a registry host name")
        }
        return host
    }

    /// `normalizedRegistry` for keys read from files, where an unusable key simply matches nothing.
    static func hostname(_ name: String) -> String? {
        var text = name.trimmingCharacters(in: .whitespaces).lowercased()
        for scheme in ["https://", "http://"] where text.hasPrefix(scheme) { text.removeFirst(scheme.count) }
        let host = String(text.prefix { $0 != "/" })
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "@" }) else { return nil }
        return dockerHubAliases.contains(host) ? dockerHub : host
    }

    /// The server URL given to a credential helper: Docker Hub's legacy URL, else the host.
    static func serverURL(for host: String) -> String { host == dockerHub ? dockerHubServerURL : host }

    /// Keys of `object` naming `host`: an exact key first, then keys without a repository path, then the rest,
    /// each group sorted so the choice never depends on dictionary order.
    static func matchingKeys(for host: String, in object: [String: JSONValue]) -> [String] {
        func rank(_ key: String) -> Int {
            if key.lowercased() == host { return 0 }
            var text = key.lowercased()
            for scheme in ["https://", "http://"] where text.hasPrefix(scheme) { text.removeFirst(scheme.count) }
            let path = text.drop { $0 != "/" }
            return ["", "/", "/v1/", "/v2/", "/v1", "/v2"].contains(path) ? 1 : 2
        }
        return object.keys.filter { hostname($0) == host }.sorted { (rank($0), $0) < (rank($1), $1) }
    }
}

// MARK: - Reading files

extension CredentialStore {
    /// The largest credentials file read.
    static let maximumFileSize: Int64 = 16 << 20

    /// The top-level object of the JSON file at `path`, or nil when there is no such file.
    static func readDocument(_ path: String) throws(ClientError) -> [String: JSONValue]? {
        let bytes: [UInt8]
        do throws(SystemError) {
            bytes = try FileSystem.readFile(path, limit: maximumFileSize + 1)
        } catch {
            if error.errno == ENOENT || error.errno == ENOTDIR { return nil }
            throw .system(error)
        }
        guard bytes.count <= maximumFileSize else {
            throw .credentials(source: path, reason: "is larger than the \(maximumFileSize) bytes allowed")
        }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        let document: JSONValue
        do { document = try JSONParser.parse(bytes) } catch {
            throw .credentials(source: path, reason: "is not valid JSON: \(error)")
        }
        guard let object = document.objectValue else {
            throw .credentials(source: path, reason: "is not a JSON object")
        }
        return object
    }

    /// The `auths` object; empty when absent.
    static func auths(in document: [String: JSONValue], source: String) throws(ClientError) -> [String: JSONValue] {
        guard let value = document["auths"], value != .null else { return [:] }
        guard let auths = value.objectValue else {
            throw .credentials(source: source, reason: "\"auths\" is not an object")
        }
        return auths
    }

    /// The helper configured for `host`: its `credHelpers` entry, else `credsStore`.
    static func helperName(for host: String, in document: [String: JSONValue], source: String) throws(ClientError)
        -> String?
    {
        if let value = document["credHelpers"], value != .null {
            guard let helpers = value.objectValue else {
                throw .credentials(source: source, reason: "\"credHelpers\" is not an object")
            }
            if let key = matchingKeys(for: host, in: helpers).first {
                guard let name = helpers[key]?.stringValue else {
                    throw .credentials(source: source, reason: "credHelpers[\"\(key)\"] is not a string")
                }
                if !name.isEmpty { return name }
            }
        }
        guard let value = document["credsStore"], value != .null else { return nil }
        guard let name = value.stringValue else {
            throw .credentials(source: source, reason: "\"credsStore\" is not a string")
        }
        return name.isEmpty ? nil : name
    }

    /// The credential in one `auths` entry: `identitytoken` if set, else `auth`, else `username`/`password`.
    /// nil for an entry with none of them, such as the empty ones docker leaves when a helper holds the secret.
    static func credential(fromEntry value: JSONValue?, key: String, source: String) throws(ClientError)
        -> RegistryCredential?
    {
        let location = "auths[\"\(key)\"]"
        guard let entry = value?.objectValue else {
            throw .credentials(source: source, reason: "\(location) is not an object")
        }
        func string(_ field: String) throws(ClientError) -> String? {
            guard let value = entry[field], value != .null else { return nil }
            guard let text = value.stringValue else {
                throw .credentials(source: source, reason: "\(location).\(field) is not a string")
            }
            return text.isEmpty ? nil : text
        }
        if let token = try string("identitytoken") { return .identityToken(token) }
        if let auth = try string("auth"),
            let found = try RegistryCredential.decodingAuthField(auth, source: source, location: "\(location).auth")
        {
            return found
        }
        if let username = try string("username") {
            return .basic(username: username, password: try string("password") ?? "")
        }
        return nil
    }
}
