import KleinOCI
import KleinStore

/// A repository in a registry, as a copy's source or destination (distribution-spec); a
/// `RegistrySession` hands them out.
public struct RegistryRepository: ContentSource, ContentDestination {
    /// The client for the repository's registry.
    public let client: RegistryClient
    /// The repository's name, e.g. `library/debian`.
    public let repository: String

    /// `host[:port]/repository`.
    public var description: String { "\(client.registry)/\(repository)" }

    /// `GET` of the manifest by tag or digest, verified.
    public func resolve(_ reference: String) async throws(ClientError) -> FetchedManifest {
        try await client.manifest(repository, reference: reference)
    }

    /// `GET` of the manifest by digest, verified against `descriptor`.
    public func manifest(_ descriptor: Descriptor) async throws(ClientError) -> FetchedManifest {
        try await client.manifest(repository, reference: descriptor.digest.description, expected: descriptor)
    }

    /// The referrers API, or the referrers tag schema where the registry has no such API.
    public func referrers(of digest: Digest) async throws(ClientError) -> [Descriptor] {
        try await client.referrers(repository, of: digest)
    }

    /// A `GET`, with a `Range` from `offset`; a registry that ignores the range sends the whole blob and
    /// its first `offset` bytes are skipped.
    public func blob(_ descriptor: Descriptor, from offset: Int64) async throws(ClientError) -> BlobStream {
        let response = try await client.blobResponse(repository, digest: descriptor.digest, offset: offset)
        return BlobStream(response.body, skipping: response.status == .partialContent ? 0 : offset)
    }

    /// Resumes a broken connection with a `Range` request, retrying as the client's options say.
    public func download(_ descriptor: Descriptor, into store: BlobStore, progress: ProgressHandler?) async throws(ClientError) {
        try await client.download(repository, descriptor, into: store, progress: progress)
    }
}

extension RegistrySession {
    /// The repository `reference` names, through this session's client for its registry.
    public func repository(_ reference: Reference) -> RegistryRepository {
        RegistryRepository(client: client(for: reference.registry), repository: reference.repository)
    }
}
