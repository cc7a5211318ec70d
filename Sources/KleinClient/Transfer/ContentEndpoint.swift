import KleinOCI
import KleinStore

/// One end of a copy: a repository in a registry, or an OCI image layout on disk.
public enum ContentEndpoint: Sendable, CustomStringConvertible {
    case registry(RegistryClient, repository: String)
    case layout(OCILayout)
    /// Content made here, not stored yet; only a source.
    case staged(StagedContent)

    public var description: String {
        switch self {
        case let .registry(client, repository): "\(client.registry)/\(repository)"
        case let .layout(layout): "oci:\(layout.path)"
        case .staged: "local files"
        }
    }

    /// Reads a manifest by tag, ref name or digest, verified; the one place a tag is resolved.
    public func resolve(_ reference: String) async throws(ClientError) -> FetchedManifest {
        switch self {
        case let .registry(client, repository):
            return try await client.manifest(repository, reference: reference)
        case let .layout(layout):
            let descriptor = try RegistryClient.storeCall { () throws(StoreError) in try layout.resolve(reference) }
            return try fetch(descriptorIn: layout, descriptor)
        case let .staged(content):
            return content.manifest
        }
    }

    /// Reads a manifest a descriptor points to, verified against it.
    public func manifest(_ descriptor: Descriptor) async throws(ClientError) -> FetchedManifest {
        switch self {
        case let .registry(client, repository):
            return try await client.manifest(repository, reference: descriptor.digest.description, expected: descriptor)
        case let .layout(layout):
            return try fetch(descriptorIn: layout, descriptor)
        case let .staged(content):
            guard content.manifest.descriptor.digest == descriptor.digest else { throw .notFound(what: "manifest \(descriptor.digest) among local files") }
            return content.manifest
        }
    }

    /// Manifests whose `subject` is `digest`.
    public func referrers(of digest: Digest) async throws(ClientError) -> [Descriptor] {
        switch self {
        case let .registry(client, repository):
            return try await client.referrers(repository, of: digest)
        case let .layout(layout):
            return try RegistryClient.storeCall { () throws(StoreError) in try layout.referrers(of: digest) }
        case .staged:
            return []
        }
    }

    /// Reads a small blob such as an image config into memory, verified against its descriptor.
    public func smallBlob(_ descriptor: Descriptor, limit: Int64 = 16 << 20) async throws(ClientError) -> [UInt8] {
        guard descriptor.size <= limit else {
            throw .invalidRequest("blob \(descriptor.digest) is \(descriptor.size) bytes, more than the \(limit) read into memory")
        }
        if let embedded = try? descriptor.embeddedData() { return embedded }
        switch self {
        case let .registry(client, repository):
            return try await client.smallBlob(repository, descriptor)
        case let .layout(layout):
            let bytes = try RegistryClient.storeCall { () throws(StoreError) in try layout.blobs.read(descriptor.digest, limit: limit) }
            guard Int64(bytes.count) == descriptor.size else {
                throw .verificationFailed(what: "blob \(descriptor.digest) in \(layout.path)", error: .sizeMismatch(expected: descriptor.size, actual: Int64(bytes.count)))
            }
            return bytes
        case .staged:
            throw .notFound(what: "blob \(descriptor.digest) among local files")
        }
    }

    /// Where a blob of a local source is on disk, or its bytes.
    func localBlob(_ digest: Digest) -> StagedContent.Blob? {
        switch self {
        case .registry: nil
        case let .layout(layout): .file(layout.blobs.path(for: digest))
        case let .staged(content): content.blobs[digest]
        }
    }

    private func fetch(descriptorIn layout: OCILayout, _ descriptor: Descriptor) throws(ClientError) -> FetchedManifest {
        let bytes = try RegistryClient.storeCall { () throws(StoreError) in try layout.blobs.read(descriptor.digest, limit: Int64(RegistryClient.manifestLimit)) }
        let what = "manifest \(descriptor.digest) in \(layout.path)"
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
