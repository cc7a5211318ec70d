import KleinArchive
import KleinOCI
import KleinStore

/// A Klein build as stored: its index, image manifest, embedded spec and sources (`BuildMediaTypes`),
/// read from a layout for `rebuild`, `verify` and `provenance`.
public struct EmbeddedBuild {
    /// What the build is called in messages (the image reference given).
    public let name: String
    /// The layout the build is stored in.
    public let layout: OCILayout
    /// The build's index.
    public let index: Descriptor
    /// The runnable image manifest in the index.
    public let image: Descriptor
    /// That image manifest.
    public let manifest: ImageManifest
    /// The build-sources manifest in the index.
    public let sources: Descriptor
    /// The embedded source blobs, in the order the sources manifest lists them.
    public let sourceBlobs: [Descriptor]
    /// The embedded spec.
    public let spec: BuildSpec

    /// Reads the build `selector` (a ref name or digest) names in `layout`.
    public init(layout: OCILayout, selector: String, name: String) throws(BuildError) {
        self.name = name
        self.layout = layout
        do {
            index = try layout.resolve(selector)
            guard case let .index(root) = try Manifest.parse(try layout.blobs.read(index.digest), declared: index.mediaType) else {
                throw BuildError.notABuild(image: name, reason: "it is a single manifest, not the index a Klein build writes")
            }
            guard let sources = root.manifests.first(where: { $0.artifactType == BuildMediaTypes.sourcesArtifact }) else {
                throw BuildError.notABuild(image: name, reason: "its index has no \(BuildMediaTypes.sourcesArtifact) manifest")
            }
            guard let image = root.manifests.first(where: { $0.annotations?[BuildAnnotations.referenceDigest] == nil && $0.mediaType.isImageManifest }) else {
                throw BuildError.notABuild(image: name, reason: "its index has no image manifest")
            }
            self.sources = sources
            self.image = image
            guard case let .image(manifest) = try Manifest.parse(try layout.blobs.read(image.digest), declared: image.mediaType),
                  case let .image(sourcesManifest) = try Manifest.parse(try layout.blobs.read(sources.digest), declared: sources.mediaType) else {
                throw BuildError.notABuild(image: name, reason: "its manifests are not image manifests")
            }
            self.manifest = manifest
            sourceBlobs = sourcesManifest.layers
            spec = try BuildSpec.parse(canonicalJSON: try layout.blobs.read(sourcesManifest.config.digest), image: name)
        } catch let error as BuildError {
            throw error
        } catch {
            throw BuildError.wrapping(error, what: "reading the build \(name)")
        }
    }

    /// The embedded blobs of one artifact, in order.
    func blobs(of artifact: BuildSpec.Artifact) -> [Descriptor] {
        sourceBlobs.filter { $0.annotations?[BuildAnnotations.artifact] == artifact.name }
    }

    func blob(role: BuildAnnotations.Role) -> Descriptor? {
        sourceBlobs.first { $0.annotations?[BuildAnnotations.role] == role.rawValue && $0.annotations?[BuildAnnotations.artifact] == nil }
    }

    /// The base image as embedded (manifest and config blobs), or nil when the build has none.
    func base() throws(BuildError) -> BaseImage? {
        guard spec.base != nil else { return nil }
        guard let manifest = blob(role: .baseManifest) else { throw .notABuild(image: name, reason: "the base image's manifest is not embedded") }
        let bytes = try BuildError.wrap("reading the embedded base manifest") { try layout.blobs.read(manifest.digest) }
        return try BaseImage.read(root: manifest, bytes: bytes, from: layout.blobs, what: "embedded base manifest")
    }

    /// What an artifact's layer is made from, from its embedded blobs only.
    func content(of artifact: BuildSpec.Artifact) throws(BuildError) -> SourceContent {
        let blobs = blobs(of: artifact)
        let path = { (descriptor: Descriptor) in layout.blobs.path(for: descriptor.digest) }
        if blobs.first?.annotations?[BuildAnnotations.role] == BuildAnnotations.Role.ociManifest.rawValue {
            let files = blobs.dropFirst().map { (name: $0.annotations?[AnnotationKey.title] ?? "", path: path($0), digest: $0.digest) }
            return .files(Array(files))
        }
        guard blobs.count == 1, let blob = blobs.first else {
            throw .notABuild(image: name, reason: "artifact \"\(artifact.name)\" has \(blobs.count) embedded source blobs; expected 1")
        }
        switch blob.mediaType {
        case BuildMediaTypes.rawFile: return .file(path: path(blob), digest: blob.digest, name: blob.annotations?[AnnotationKey.title] ?? artifact.name)
        case BuildMediaTypes.debianPackage: return .debianPackage(path: path(blob), digest: blob.digest)
        default: return .tree(path: path(blob), digest: blob.digest)
        }
    }
}
