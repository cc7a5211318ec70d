import KleinOCI
import KleinStore
import KleinSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension CredentialStore {
    /// Saves `credential` for `registry` as `docker login` and `podman login` do, and returns where it went:
    /// the file's path, or the helper program's name.
    ///
    /// The file is `$REGISTRY_AUTH_FILE` when set (containers-auth.json(5)), else docker's `config.json`.
    /// When it names a helper for the registry (`credHelpers`, else `credsStore`) the helper stores the credential;
    /// otherwise it goes into `auths` (`auth` = base64 `user:password`, or `identitytoken`), replacing any entry
    /// for the same registry. Docker Hub's key there is `https://index.docker.io/v1/` in docker's format and
    /// `docker.io` in containers'. Every other key of the file is kept; the file is replaced atomically, mode 0600.
    public func store(_ credential: RegistryCredential, for registry: String) throws(ClientError) -> String {
        let host = try Self.normalizedRegistry(registry)
        let path: String
        if writesContainersFile, let file = containersAuthFile {
            path = file
        } else if let file = dockerConfigFile {
            path = file
        } else {
            throw .credentials(
                source: "the environment", reason: "neither REGISTRY_AUTH_FILE, DOCKER_CONFIG nor HOME is set")
        }
        var document = try Self.readDocument(path) ?? [:]
        if let name = try Self.helperName(for: host, in: document, source: path) {
            try helper(name).store(credential, serverURL: Self.serverURL(for: host))
            return "docker-credential-\(name)"
        }
        var auths = try Self.auths(in: document, source: path)
        for key in Self.matchingKeys(for: host, in: auths) { auths[key] = nil }
        auths[writesContainersFile ? host : Self.serverURL(for: host)] = Self.entry(for: credential)
        document["auths"] = .object(auths)
        try Self.writeDocument(document, to: path)
        return path
    }

    /// Removes the credential for `registry` from every file `credential(for:)` reads (each `auths` entry naming
    /// the registry) and from the helper each file names for it, so that afterwards none is found.
    /// Returns whether anything was removed.
    public func erase(for registry: String) throws(ClientError) -> Bool {
        let host = try Self.normalizedRegistry(registry)
        var removed = false
        for file in files {
            guard var document = try Self.readDocument(file) else { continue }
            if let name = try Self.helperName(for: host, in: document, source: file),
                try helper(name).erase(serverURL: Self.serverURL(for: host))
            {
                removed = true
            }
            var auths = try Self.auths(in: document, source: file)
            let keys = Self.matchingKeys(for: host, in: auths)
            guard !keys.isEmpty else { continue }
            for key in keys { auths[key] = nil }
            document["auths"] = .object(auths)
            try Self.writeDocument(document, to: file)
            removed = true
        }
        return removed
    }

    /// The `auths` entry docker writes for `credential`.
    static func entry(for credential: RegistryCredential) -> JSONValue {
        switch credential {
        case .basic: .object(["auth": .string(credential.authField ?? "")])
        case let .identityToken(token): .object(["identitytoken": .string(token)])
        }
    }

    /// Replaces the file at `path` (or the file its symbolic link points to, as docker does) with `document`
    /// in canonical JSON: a temporary file in the same directory with mode 0600, fsync, rename, fsync of the
    /// directory. Missing directories are created with mode 0700.
    static func writeDocument(_ document: [String: JSONValue], to path: String) throws(ClientError) {
        let target = resolvingSymbolicLink(path)
        let directory = FileSystem.parent(of: target)
        do throws(SystemError) {
            try FileSystem.makeDirectories(directory, mode: 0o700)
            try FileSystem.writeAtomically(JSONValue.object(document).canonicalBytes + [0x0A], to: target, scratch: directory, mode: 0o600)
        } catch {
            throw .system(error)
        }
    }

    private static func resolvingSymbolicLink(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
