import KleinOCI
import KleinStore

/// Where a copy reads content: a registry repository, an OCI layout, content staged from local files,
/// a list of sources tried in order — or any new kind (a peer) as one more conforming type.
///
/// Manifests come back verified against their digest; blob bytes are streamed unverified, and whoever
/// reads them verifies digest and size over the whole blob (image-spec descriptor.md, "Verification").
public protocol ContentSource: Sendable, CustomStringConvertible {
    /// Reads a manifest by tag, ref name or digest, verified; the one place a tag is resolved.
    func resolve(_ reference: String) async throws(ClientError) -> FetchedManifest
    /// Reads the manifest a descriptor points to, verified against it.
    func manifest(_ descriptor: Descriptor) async throws(ClientError) -> FetchedManifest
    /// Manifests whose `subject` is `digest` (image-spec manifest.md, "subject").
    func referrers(of digest: Digest) async throws(ClientError) -> [Descriptor]
    /// The blob's bytes from `offset` on, as they arrive.
    func blob(_ descriptor: Descriptor, from offset: Int64) async throws(ClientError) -> BlobStream
    /// Streams a blob into `store`, verifying digest and size; a source that can resume a broken
    /// transfer does so here. The default reads ``blob(_:from:)`` once.
    func download(_ descriptor: Descriptor, into store: BlobStore, progress: ProgressHandler?) async throws(ClientError)
    /// The blob as a file or bytes on this machine, when the source keeps it so: a destination then
    /// copies or uploads the file instead of a stream. The default is nil.
    func localBlob(_ digest: Digest) -> StagedContent.Blob?
}

extension ContentSource {
    /// Reads ``blob(_:from:)`` once into `store`, verified.
    public func download(_ descriptor: Descriptor, into store: BlobStore, progress: ProgressHandler?) async throws(ClientError) {
        try await store.write(try await blob(descriptor, from: 0), expecting: descriptor, from: "\(self)", progress: progress)
    }

    /// Nil: the source keeps nothing on this machine.
    public func localBlob(_ digest: Digest) -> StagedContent.Blob? { nil }

    /// Reads a small blob such as an image config into memory, verified against its descriptor.
    public func smallBlob(_ descriptor: Descriptor, limit: Int64 = 16 << 20) async throws(ClientError) -> [UInt8] {
        guard descriptor.size <= limit else {
            throw .invalidRequest("blob \(descriptor.digest) is \(descriptor.size) bytes, more than the \(limit) read into memory")
        }
        if let embedded = try? descriptor.embeddedData() { return embedded }
        let what = "blob \(self)@\(descriptor.digest)"
        var hasher = VerifyingHasher(expectedDigest: descriptor.digest, expectedSize: descriptor.size)
        var bytes: [UInt8] = []
        do {
            for try await buffer in try await blob(descriptor, from: 0) {
                try buffer.withUnsafeReadableBytes { raw throws(OCIError) in try hasher.update(raw) }
                bytes += buffer.readableBytesView
            }
            _ = try hasher.verify()
        } catch let error as OCIError {
            throw .verificationFailed(what: what, error: error)
        } catch {
            throw ClientError.reading("\(self)", error)
        }
        return bytes
    }
}
