import KleinOCI
import KleinStore

/// A manifest made here and not stored anywhere yet, with its blobs as local files or bytes: the source
/// when pushing an artifact straight from files.
public struct StagedContent: Sendable {
    /// Where one blob's bytes are.
    public enum Blob: Sendable {
        case file(String)
        case bytes([UInt8])
    }

    /// The manifest, as its canonical bytes.
    public let manifest: FetchedManifest
    /// Every blob the manifest references, by digest.
    public let blobs: [Digest: Blob]

    /// A manifest made by the caller, with every blob it references.
    public init(manifest: ImageManifest, blobs: [Digest: Blob]) {
        let bytes = manifest.canonicalJSON
        let descriptor = Descriptor(mediaType: .ociManifest, digest: .of(bytes), size: Int64(bytes.count), artifactType: manifest.artifactType)
        self.init(manifest: FetchedManifest(bytes: bytes, descriptor: descriptor, manifest: .image(manifest)), blobs: blobs)
    }

    init(manifest: FetchedManifest, blobs: [Digest: Blob]) {
        self.manifest = manifest
        self.blobs = blobs
    }

    /// An artifact manifest (image-spec manifest.md, "Guidelines for Artifact Usage"): each file a layer
    /// titled with its name (`org.opencontainers.image.title`), the empty config, `artifactType`, and
    /// optionally a `subject`, which makes it a referrer. Files are hashed here, once.
    public static func artifact(files: [OCILayout.ArtifactFile], artifactType: MediaType, annotations: [String: String]?,
                                subject: Descriptor?) throws(ClientError) -> StagedContent {
        var blobs: [Digest: Blob] = [:]
        var titles = Set<[UInt8]>()  // file names: bytes, not canonically equivalent text
        var layers: [Descriptor] = []
        for file in files {
            guard titles.insert(Array(file.title.utf8)).inserted else { throw .invalidRequest("two files are titled \"\(file.title)\"") }
            let (digest, size) = try RegistryClient.storeCall { () throws(StoreError) in try FileHashing.digest(ofFileAt: file.path) }
            layers.append(Descriptor(mediaType: file.mediaType, digest: digest, size: size, annotations: [AnnotationKey.title: file.title]))
            blobs[digest] = .file(file.path)
        }
        let empty = Array("{}".utf8)
        blobs[Descriptor.empty.digest] = .bytes(empty)
        var subjectEntry = subject
        subjectEntry?.annotations = nil
        subjectEntry?.platform = nil
        let manifest = ImageManifest(artifactType: artifactType, config: .empty, layers: layers, subject: subjectEntry,
                                     annotations: annotations?.isEmpty == false ? annotations : nil)
        return StagedContent(manifest: manifest, blobs: blobs)
    }
}
