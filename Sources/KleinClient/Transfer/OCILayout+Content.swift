import KleinOCI
import KleinStore

/// An OCI image layout as a copy's source or destination (image-spec image-layout.md).
extension OCILayout: ContentSource, ContentDestination {
    /// The `index.json` entry a ref name or digest names (or the only one for ""), read and verified.
    public func resolve(_ reference: String) async throws(ClientError) -> FetchedManifest {
        let descriptor = try RegistryClient.storeCall { () throws(StoreError) -> Descriptor in try self.resolve(reference) }
        return try storedManifest(descriptor)
    }

    /// The manifest's blob, checked against `descriptor`.
    public func manifest(_ descriptor: Descriptor) async throws(ClientError) -> FetchedManifest {
        try storedManifest(descriptor)
    }

    /// Manifests in the layout whose `subject` is `digest`.
    public func referrers(of digest: Digest) async throws(ClientError) -> [Descriptor] {
        try RegistryClient.storeCall { () throws(StoreError) -> [Descriptor] in try self.referrers(of: digest) }
    }

    /// The blob file from `offset`, read a chunk at a time.
    public func blob(_ descriptor: Descriptor, from offset: Int64) async throws(ClientError) -> BlobStream {
        guard blobs.exists(descriptor.digest) else { throw .store(.blobNotFound(digest: descriptor.digest, store: path)) }
        return BlobStream(FileChunks(path: blobs.path(for: descriptor.digest), offset: offset, length: descriptor.size - offset))
    }

    /// The blob's file in `blobs/`.
    public func localBlob(_ digest: Digest) -> StagedContent.Blob? {
        .file(blobs.path(for: digest))
    }

    /// Whether the blob's file is there with the descriptor's size.
    public func hasBlob(_ descriptor: Descriptor) async throws(ClientError) -> Bool {
        (try? blobs.size(of: descriptor.digest)) == descriptor.size
    }

    /// Copies a local file or bytes, verified on the way in; anything else the source downloads.
    public func writeBlob(_ descriptor: Descriptor, from source: any ContentSource, progress: ProgressHandler?) async throws(ClientError) {
        switch source.localBlob(descriptor.digest) {
        case let .file(path):
            _ = try RegistryClient.storeCall { () throws(StoreError) in try blobs.write(contentsOf: path, expecting: descriptor.digest, size: descriptor.size) }
            progress?(descriptor.size)
        case let .bytes(bytes):
            _ = try RegistryClient.storeCall { () throws(StoreError) in try blobs.write(bytes, expecting: descriptor.digest) }
            progress?(descriptor.size)
        case nil:
            try await source.download(descriptor, into: blobs, progress: progress)
        }
    }

    /// Stores the manifest's bytes when missing; the root (`listed`) gets an `index.json` entry, named
    /// `tag` when there is one.
    @discardableResult
    public func putManifest(_ manifest: FetchedManifest, tag: String?, listed: Bool) async throws(ClientError) -> Bool {
        let descriptor = manifest.descriptor
        return try RegistryClient.storeCall { () throws(StoreError) in
            var added = false
            if !blobs.exists(descriptor.digest) {
                try blobs.write(manifest.bytes, expecting: descriptor.digest)
                added = true
            }
            if listed { try addEntry(descriptor, name: tag) }
            return added
        }
    }

    /// Holds the layout's shared content lock while `body` runs, so `gc` waits.
    public func whileWriting<T>(_ body: () async throws(ClientError) -> T) async throws(ClientError) -> T {
        let access = try RegistryClient.storeCall { () throws(StoreError) in try acquireWriteAccess() }
        defer { withExtendedLifetime(access) {} }
        return try await body()
    }

    /// Deletes the blobs a failed copy wrote.
    public func removeAfterFailedCopy(_ added: [Digest]) {
        for digest in added { try? blobs.delete(digest) }
    }

    private func storedManifest(_ descriptor: Descriptor) throws(ClientError) -> FetchedManifest {
        let bytes = try RegistryClient.storeCall { () throws(StoreError) in try blobs.read(descriptor.digest, limit: Int64(RegistryClient.manifestLimit)) }
        let what = "manifest \(descriptor.digest) in \(path)"
        guard Int64(bytes.count) == descriptor.size else {
            throw .verificationFailed(what: what, error: .sizeMismatch(expected: descriptor.size, actual: Int64(bytes.count)))
        }
        let manifest: Manifest
        do { manifest = try Manifest.parse(bytes, declared: descriptor.mediaType.isManifest ? descriptor.mediaType : nil) } catch {
            throw .invalidContent(what: what, error: error)
        }
        var plain = descriptor
        plain.annotations = nil
        plain.platform = nil
        return FetchedManifest(bytes: bytes, descriptor: plain, manifest: manifest)
    }
}
