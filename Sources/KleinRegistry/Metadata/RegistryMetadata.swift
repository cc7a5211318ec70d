import KleinOCI

/// A manifest stored in a repository, as metadata: enough to serve it, list it as a referrer
/// and know what it keeps alive.
public struct ManifestRecord: Sendable, Equatable {
    /// The manifest's digest.
    public var digest: Digest
    /// The manifest's media type, sent as `Content-Type`.
    public var mediaType: String
    /// The manifest's size in bytes.
    public var size: Int64
    /// The referrers API's `artifactType`: the manifest's own, else its config's media type.
    public var artifactType: String?
    /// The manifest this one refers to (its `subject`), if any.
    public var subject: Digest?
    /// Canonical JSON of the manifest's annotations, copied into referrers listings.
    public var annotationsJSON: String?
    /// Blobs (image manifests) or manifests (indexes) this manifest points to.
    public var children: [Digest]
    /// Which children are manifests (an index's) rather than blobs.
    public var childrenAreManifests: Bool

    /// A record with every field given.
    public init(digest: Digest, mediaType: String, size: Int64, artifactType: String?, subject: Digest?,
                annotationsJSON: String?, children: [Digest], childrenAreManifests: Bool) {
        self.digest = digest
        self.mediaType = mediaType
        self.size = size
        self.artifactType = artifactType
        self.subject = subject
        self.annotationsJSON = annotationsJSON
        self.children = children
        self.childrenAreManifests = childrenAreManifests
    }
}

/// A manifest found by tag or digest: what a GET needs.
public struct StoredManifest: Sendable, Equatable {
    /// The manifest's digest.
    public var digest: Digest
    /// The manifest's media type, sent as `Content-Type`.
    public var mediaType: String
    /// The manifest's size in bytes.
    public var size: Int64
}

/// A pending upload session.
public struct UploadRecord: Sendable, Equatable {
    /// The session's identifier, the last segment of its upload URL `/v2/<name>/blobs/uploads/<id>`.
    public var id: String
    /// The repository the upload is for.
    public var repository: String
    /// Seconds since 1970 when the session started.
    public var created: Int64
}

/// The registry's metadata: repositories, blob links, manifests, tags, referrers and upload sessions
/// (DESIGN.md "Storage", registry side). SQLite implements it for one server; the protocol is the seam
/// for a shared PostgreSQL backend. Operations that publish or remove pool files take a closure that
/// runs inside the metadata transaction, so a file and its record appear and disappear together.
public protocol RegistryMetadata: Sendable {
    /// The size of a blob linked into `repository`, or `nil`.
    func blobSize(_ digest: Digest, in repository: String) async throws -> Int64?
    /// As `blobSize`, and counts the blob as new for the GC grace window (as `mountBlob` does) when it
    /// was last counted new before `staleBefore`.
    func blobSize(_ digest: Digest, in repository: String, refreshingIfAddedBefore staleBefore: Int64, now: Int64) async throws -> Int64?
    /// The size of a blob anywhere in the pool, or `nil`.
    func pooledBlobSize(_ digest: Digest) async throws -> Int64?
    /// Records a verified blob and links it to `repository`; `publish` moves its file into the pool.
    func addBlob(_ digest: Digest, size: Int64, to repository: String, now: Int64,
                 publish: @escaping @Sendable () throws -> Void) async throws
    /// Links a pooled blob that is linked to `source` into `repository` (a cross-repository mount), and
    /// counts it as new for the GC grace window so it survives until the manifest that needs it arrives.
    /// Returns the size, or `nil` when `source` does not have the blob.
    func mountBlob(_ digest: Digest, from source: String, into repository: String) async throws -> Int64?
    func unlinkBlob(_ digest: Digest, from repository: String) async throws -> Bool

    func manifest(tag: String, in repository: String) async throws -> StoredManifest?
    func manifest(digest: Digest, in repository: String) async throws -> StoredManifest?
    /// Stores a manifest (and moves `tag` to it) unless children are missing from the repository;
    /// returns the missing children, empty on success. `publish` stores the manifest bytes in the pool.
    func putManifest(_ record: ManifestRecord, tag: String?, in repository: String, now: Int64,
                     publish: @escaping @Sendable () throws -> Void) async throws -> [Digest]
    /// Removes a manifest and the tags naming it from `repository`.
    func deleteManifest(_ digest: Digest, in repository: String) async throws -> Bool
    func deleteTag(_ tag: String, in repository: String) async throws -> Bool
    /// Tags in lexical order after `last`, at most `limit`; `nil` when the repository is unknown.
    func tags(in repository: String, after last: String?, limit: Int?) async throws -> [String]?
    func repositories(after last: String?, limit: Int?) async throws -> [String]
    /// Manifests in `repository` whose subject is `subject`, optionally only of one artifact type.
    func referrers(of subject: Digest, in repository: String, artifactType: String?) async throws -> [ManifestRecord]

    func addUpload(_ upload: UploadRecord) async throws
    func upload(id: String) async throws -> UploadRecord?
    func removeUpload(id: String) async throws
    func uploads() async throws -> [UploadRecord]

    /// Pool blobs no manifest references (as itself or a child) that were added at or before `cutoff`.
    func unreferencedBlobs(addedBefore cutoff: Int64) async throws -> [Digest]
    /// Removes a blob's record and links if it is still unreferenced and was added at or before `cutoff`;
    /// returns whether it was removed. Its file becomes an orphan for `removeOrphan`: deleting it only
    /// after this commits means a crash can leave a file without a record, never a record without a file.
    func removeBlob(_ digest: Digest, ifUnreferencedBefore cutoff: Int64) async throws -> Bool
    /// Deletes (through `unlink`) a pool file that has no record, in a transaction, so a publish in
    /// progress is never mistaken for an orphan. Returns whether it was an orphan.
    func removeOrphan(_ digest: Digest, unlink: @escaping @Sendable () throws -> Void) async throws -> Bool
    /// Every pooled blob, for fsck.
    func pooledBlobs() async throws -> [(digest: Digest, size: Int64)]
    /// Children recorded for manifests, with the repository, for fsck.
    func manifestChildren() async throws -> [(repository: String, manifest: Digest, child: Digest)]
    func storageTotals() async throws -> (bytes: Int64, blobs: Int)
}
