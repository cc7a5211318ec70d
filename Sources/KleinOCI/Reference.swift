/// An image reference such as `ubuntu:22.04`, `localhost:5000/app@sha256:…` or
/// `ghcr.io/org/tool:1.0@sha256:…`, following the grammar of distribution/reference
/// (`reference.go`, `regexp.go`) and Docker's normalization (`normalize.go`).
///
/// Values are always normalized: the registry defaults to `docker.io`, `index.docker.io`
/// is rewritten to `docker.io`, and single-component names on `docker.io` gain the
/// `library/` namespace. A missing tag stays `nil`; see ``tagOrDefault``.
public struct Reference: Hashable, Sendable, CustomStringConvertible {
    /// The registry as `host[:port]`, e.g. `docker.io`, `localhost:5000`, `[::1]:5000`
    /// (reference.go grammar `domain`). Its case is kept as written, as distribution does.
    public let registry: String
    /// The repository path within the registry, e.g. `library/ubuntu`
    /// (reference.go grammar `path`; at most 255 characters).
    public let repository: String
    /// The tag, matching `[\w][\w.-]{0,127}` (regexp.go `tag`), or `nil` when none was given.
    public let tag: String?
    /// The content digest, or `nil` when none was given.
    public let digest: Digest?

    /// Parses and normalizes a reference string (normalize.go `ParseNormalizedNamed`).
    ///
    /// `name:tag@digest` keeps both the tag and the digest. A bare 64-hex string (an image
    /// ID) and a bare digest are rejected because they carry no repository name.
    /// - Throws: `OCIError.invalidReference` naming the first rule the input breaks.
    public init(_ string: String) throws(OCIError) {
        let parts = try ReferenceGrammar.parse(string)
        self.registry = parts.registry
        self.repository = parts.repository
        self.tag = parts.tag
        self.digest = parts.digest
    }

    /// Builds a reference from its parts, validating each against the grammar (regexp.go
    /// `domainAndPort`, `remoteName`, `tag`) and applying Docker Hub normalization.
    ///
    /// `registry` must be something the parser would recognize as a registry (normalize.go
    /// `splitDockerDomain`: `localhost`, or containing `.`, `:` or an uppercase letter), so
    /// that `Reference(r.description) == r` always holds.
    /// - Throws: `OCIError.invalidReference` when a part is malformed.
    public init(registry: String, repository: String, tag: String?, digest: Digest?) throws(OCIError) {
        var input = "\(registry)/\(repository)"
        if let tag { input += ":\(tag)" }
        if let digest { input += "@\(digest)" }
        func failure(_ reason: String) -> OCIError { .invalidReference(input: input, reason: reason) }

        let registryBytes = Array(registry.utf8)[...]
        if let problem = ReferenceGrammar.registryProblem(registryBytes) { throw failure(problem) }
        guard ReferenceGrammar.looksLikeRegistry(registryBytes) else {
            throw failure("\"\(registry)\" would be read as a Docker Hub namespace, not a registry; "
                + "a registry needs a \".\", a \":port\", an uppercase letter, or to be \"localhost\"")
        }
        if let problem = ReferenceGrammar.repositoryProblem(Array(repository.utf8)[...]) { throw failure(problem) }
        if let tag, let problem = ReferenceGrammar.tagProblem(Array(tag.utf8)[...]) { throw failure(problem) }

        let normalized = ReferenceGrammar.normalize(registry: registry, path: repository)
        if let problem = ReferenceGrammar.lengthProblem(normalized.repository.utf8.count) { throw failure(problem) }
        self.registry = normalized.registry
        self.repository = normalized.repository
        self.tag = tag
        self.digest = digest
    }

    private init(unchecked registry: String, repository: String, tag: String?, digest: Digest?) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// The fully qualified form, `registry/repository[:tag][@digest]`, e.g.
    /// `docker.io/library/ubuntu:latest` (reference.go `String`). Both tag and digest are
    /// kept when present.
    public var description: String {
        var result = name
        if let tag { result += ":\(tag)" }
        if let digest { result += "@\(digest)" }
        return result
    }

    /// Docker's short form (normalize.go `FamiliarString`): drops `docker.io/`, and drops
    /// `library/` for single-component official images, e.g. `ubuntu:latest`.
    ///
    /// Unlike `FamiliarString`, `docker.io/` is kept when dropping it would make the first
    /// path component read as a registry (e.g. `docker.io/foo.bar/baz`), and `library/` is
    /// kept before a 64-hex name (which alone reads as an image ID), so the familiar form
    /// always parses back to the same reference.
    public var familiarDescription: String {
        var result = familiarName
        if let tag { result += ":\(tag)" }
        if let digest { result += "@\(digest)" }
        return result
    }

    /// `registry/repository`, without tag or digest (reference.go `Name`).
    public var name: String { "\(registry)/\(repository)" }

    /// The tag, or `latest` when there is none (normalize.go `defaultTag`, as used by
    /// `TagNameOnly`). The reference itself never invents a tag.
    public var tagOrDefault: String { tag ?? "latest" }

    /// What to put in `/v2/<name>/manifests/<reference>`: the digest when present (it pins
    /// the content, as normalize.go `ParseDockerRef` prefers it), else ``tagOrDefault``.
    public var manifestReference: String { digest?.description ?? tagOrDefault }

    /// This reference with `tag` replacing any tag; the digest is kept (reference.go `WithTag`).
    /// - Throws: `OCIError.invalidReference` when `tag` does not match `[\w][\w.-]{0,127}`.
    public func withTag(_ tag: String) throws(OCIError) -> Reference {
        if let problem = ReferenceGrammar.tagProblem(Array(tag.utf8)[...]) {
            throw .invalidReference(input: "\(name):\(tag)", reason: problem)
        }
        return Reference(unchecked: registry, repository: repository, tag: tag, digest: digest)
    }

    /// This reference with `digest` replacing any digest; the tag is kept (reference.go `WithDigest`).
    public func withDigest(_ digest: Digest) -> Reference {
        Reference(unchecked: registry, repository: repository, tag: tag, digest: digest)
    }

    /// Whether the registry host is a loopback address: `localhost`, an IPv4 address in
    /// 127.0.0.0/8, or the IPv6 address `::1`, with or without a port.
    public var isLoopbackRegistry: Bool {
        let host = ReferenceGrammar.host(of: registry)
        if host.lowercased() == ReferenceGrammar.localhost { return true }
        if registry.hasPrefix("[") { return ReferenceGrammar.isIPv6Loopback(host) }
        return ReferenceGrammar.isIPv4Loopback(host)
    }

    /// Whether `name` is a valid repository path (regexp.go `remoteName`: lowercase
    /// components separated by `/`) of at most 255 characters (reference.go
    /// `RepositoryNameTotalLengthMax`). No registry part and no normalization.
    public static func isValidRepository(_ name: String) -> Bool {
        ReferenceGrammar.repositoryProblem(Array(name.utf8)[...]) == nil
    }

    /// Whether `tag` matches `[\w][\w.-]{0,127}` (regexp.go `tag`).
    public static func isValidTag(_ tag: String) -> Bool {
        ReferenceGrammar.tagProblem(Array(tag.utf8)[...]) == nil
    }

    private var familiarName: String {
        guard registry == ReferenceGrammar.defaultRegistry else { return name }
        var path = Substring(repository)
        if path.hasPrefix(ReferenceGrammar.officialPrefix) {
            let rest = path.dropFirst(ReferenceGrammar.officialPrefix.count)
            // A bare 64-hex name would read back as an image ID, so it keeps its namespace.
            if !rest.contains("/") && !ReferenceGrammar.isImageID(Array(rest.utf8)[...]) { path = rest }
        }
        if let slash = path.firstIndex(of: "/") {
            let first = path[..<slash]
            if first.contains(".") || first == ReferenceGrammar.localhost { return name }
        }
        return String(path)
    }
}
