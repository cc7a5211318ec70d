import KleinOCI

/// Staged content as a copy's source: its one manifest and the blobs it was made with.
extension StagedContent: ContentSource {
    /// "local files".
    public var description: String { "local files" }

    /// The staged manifest, whatever the reference.
    public func resolve(_ reference: String) async throws(ClientError) -> FetchedManifest { manifest }

    /// The staged manifest when `descriptor` names it.
    public func manifest(_ descriptor: Descriptor) async throws(ClientError) -> FetchedManifest {
        guard manifest.descriptor.digest == descriptor.digest else { throw .notFound(what: "manifest \(descriptor.digest) among local files") }
        return manifest
    }

    /// None: staged content has no referrers.
    public func referrers(of digest: Digest) async throws(ClientError) -> [Descriptor] { [] }

    /// A staged file or bytes from `offset`.
    public func blob(_ descriptor: Descriptor, from offset: Int64) async throws(ClientError) -> BlobStream {
        switch blobs[descriptor.digest] {
        case let .file(path):
            return BlobStream(FileChunks(path: path, offset: offset, length: descriptor.size - offset))
        case let .bytes(bytes):
            return BlobStream(InMemoryBytes(bytes: bytes.dropFirst(Int(offset))))
        case nil:
            throw .notFound(what: "blob \(descriptor.digest) among local files")
        }
    }

    /// The staged file or bytes.
    public func localBlob(_ digest: Digest) -> StagedContent.Blob? { blobs[digest] }
}
