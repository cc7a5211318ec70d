import AsyncHTTPClient
import KleinOCI
import NIOCore

extension RegistryClient {
    /// The referrers tag schema's tag for a subject: `<alg>-<encoded>` (distribution-spec, "Referrers Tag Schema").
    public static func referrersTag(for digest: Digest) -> String { "\(digest.algorithm.rawValue)-\(digest.encoded)" }

    /// Manifests whose `subject` is `digest`, from the referrers API, or from the tag schema's index when
    /// the registry has no referrers API (it answers 404; distribution-spec, "Listing Referrers").
    /// `artifactType` filters, on the server when it says it did (`OCI-Filters-Applied`), else here.
    public func referrers(_ repository: String, of digest: Digest, artifactType: MediaType? = nil) async throws(ClientError) -> [Descriptor] {
        var path = "/v2/\(repository)/referrers/\(digest)"
        if let artifactType { path += "?artifactType=\(FormEncoding.escape(artifactType.rawValue))" }
        var request = RegistryRequest(.GET, .path(path), scopes: [Scope.pull(repository)], summary: "list referrers of \(repository)@\(digest)")
        request.headers.add(name: "Accept", value: MediaType.ociIndex.rawValue)
        let response = try await send(request)
        let contentType = response.headers.first(name: "Content-Type") ?? ""
        var descriptors: [Descriptor]
        var filtered = false
        if response.status == .ok && contentType.hasPrefix(MediaType.ociIndex.rawValue) {
            let body = try await collect(response, upTo: Self.manifestLimit, for: request)
            do { descriptors = try ImageIndex(jsonBytes: Array(body.readableBytesView)).manifests } catch {
                throw .invalidContent(what: "referrers of \(registry)/\(repository)@\(digest)", error: error)
            }
            filtered = response.headers.first(name: "OCI-Filters-Applied")?.contains("artifactType") ?? false
        } else if response.status == .notFound {
            await response.discardBody()
            descriptors = try await referrersFromTagSchema(repository, of: digest)?.index.manifests ?? []
        } else {
            throw await failure(response, request)
        }
        if let artifactType, !filtered { descriptors = descriptors.filter { $0.artifactType == artifactType } }
        return descriptors
    }

    /// The tag schema's index for a subject, or nil when the tag does not exist.
    func referrersFromTagSchema(_ repository: String, of digest: Digest) async throws(ClientError) -> (index: ImageIndex, descriptor: Descriptor)? {
        let fetched: FetchedManifest
        do {
            fetched = try await manifest(repository, reference: Self.referrersTag(for: digest))
        } catch {
            if case .notFound = error { return nil }
            throw error
        }
        guard case let .index(index) = fetched.manifest else {
            throw .protocolViolation(registry: registry, reason: "tag \(Self.referrersTag(for: digest)) in \(repository) is not an index, so it cannot list referrers")
        }
        return (index, fetched.descriptor)
    }

    /// Adds `referrer` to the tag schema's index for `subject`, for registries that did not process the
    /// subject themselves (client duties in distribution-spec, "Pushing Manifests with Subject").
    func addToReferrersTag(_ repository: String, subject: Digest, referrer: Descriptor) async throws(ClientError) {
        let existing = try await referrersFromTagSchema(repository, of: subject)
        var index = existing?.index ?? ImageIndex(manifests: [])
        guard !index.manifests.contains(where: { $0.digest == referrer.digest }) else { return }
        index.manifests.append(referrer)
        try await putManifest(repository, reference: Self.referrersTag(for: subject), bytes: index.canonicalJSON, mediaType: .ociIndex)
    }
}
