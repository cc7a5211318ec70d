import KleinOCI

/// The endpoint a request path names (distribution-spec spec.md, "Endpoints", end-1 … end-13),
/// plus the registry's own operational paths. Repository names may contain `/`, so the
/// fixed suffix is matched from the end of the path.
enum Route: Equatable {
    case base                                       // end-1
    case blob(name: String, digest: String)          // end-2, end-10
    case manifest(name: String, reference: String)  // end-3, end-7, end-9
    case uploads(name: String)                      // end-4a, end-4b, end-11
    case upload(name: String, session: String)      // end-5, end-6, end-13, cancel
    case tags(name: String)                         // end-8a, end-8b
    case referrers(name: String, digest: String)    // end-12a, end-12b
    case catalog
    case token
    case health
    case metrics

    /// Parses a request path (without the query); `nil` for paths no endpoint serves.
    init?(path: String) {
        switch path {
        case "/v2", "/v2/": self = .base; return
        case "/v2/_catalog": self = .catalog; return
        case "/token": self = .token; return
        case "/healthz": self = .health; return
        case "/metrics": self = .metrics; return
        default: break
        }
        guard path.hasPrefix("/v2/") else { return nil }
        let parts = path.dropFirst(4).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        func name(droppingLast count: Int) -> String? {
            guard parts.count > count else { return nil }
            return parts.dropLast(count).joined(separator: "/")
        }
        let count = parts.count
        if count >= 3, parts[count - 2] == "blobs", parts[count - 1] == "uploads", let name = name(droppingLast: 2) {
            self = .uploads(name: name)
        } else if count >= 4, parts[count - 3] == "blobs", parts[count - 2] == "uploads", let name = name(droppingLast: 3) {
            self = parts[count - 1].isEmpty ? .uploads(name: name) : .upload(name: name, session: parts[count - 1])
        } else if count >= 3, parts[count - 2] == "tags", parts[count - 1] == "list", let name = name(droppingLast: 2) {
            self = .tags(name: name)
        } else if count >= 3, parts[count - 2] == "manifests", let name = name(droppingLast: 2) {
            self = .manifest(name: name, reference: parts[count - 1])
        } else if count >= 3, parts[count - 2] == "blobs", let name = name(droppingLast: 2) {
            self = .blob(name: name, digest: parts[count - 1])
        } else if count >= 3, parts[count - 2] == "referrers", let name = name(droppingLast: 2) {
            self = .referrers(name: name, digest: parts[count - 1])
        } else {
            return nil
        }
    }

    /// The repository the route addresses, if any.
    var repository: String? {
        switch self {
        case let .blob(name, _), let .manifest(name, _), let .uploads(name), let .upload(name, _),
             let .tags(name), let .referrers(name, _):
            name
        case .base, .catalog, .token, .health, .metrics:
            nil
        }
    }

    /// A low-cardinality label for metrics and logs.
    var label: String {
        switch self {
        case .base: "base"
        case .blob: "blob"
        case .manifest: "manifest"
        case .uploads: "uploads"
        case .upload: "upload"
        case .tags: "tags"
        case .referrers: "referrers"
        case .catalog: "catalog"
        case .token: "token"
        case .health: "healthz"
        case .metrics: "metrics"
        }
    }
}

extension Route {
    /// Checks a repository name against the distribution-spec grammar
    /// (`[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`).
    static func validate(repository name: String) throws(RegistryError) {
        guard Reference.isValidRepository(name) else {
            throw .nameInvalid(name, "it must be lowercase path components of letters and digits separated by \"/\", "
                + "joined inside a component by \".\", \"_\", \"__\" or \"-\", at most 255 characters")
        }
    }
}
