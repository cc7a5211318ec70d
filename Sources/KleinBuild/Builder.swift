import Foundation
import KleinArchive
import KleinClient
import KleinOCI
import KleinStore

/// `klein build`: fetches every pinned source, writes one layer per artifact on top of the base's
/// layers, and stores the image together with its spec and sources (`BuildMediaTypes`) in a layout.
/// A provenance statement is attached as a referrer of the build.
public struct Builder {
    /// The validated spec to build.
    public let spec: BuildSpec
    /// Directory local sources and layout paths in the spec are relative to.
    public let context: String
    /// Where the image, its sources and its provenance are stored.
    public let layout: OCILayout
    /// The session base images and OCI sources are fetched through.
    public let session: RegistrySession

    /// A build of `spec`, with sources relative to `context`, into `layout`.
    public init(spec: BuildSpec, context: String, layout: OCILayout, session: RegistrySession) {
        self.spec = spec
        self.context = context
        self.layout = layout
        self.session = session
    }

    /// What a build made: the image and its provenance referrer.
    public struct Outcome: Sendable {
        /// The image's objects.
        public let image: BuiltImage
        /// The provenance statement's referrer manifest.
        public let provenance: Descriptor
        /// Every source and the base, as the provenance records them.
        public let dependencies: [ResolvedDependency]
    }

    /// Builds and tags the index as `tag` (when given) in the layout.
    public func build(tag: String?) async throws(BuildError) -> Outcome {
        let startedOn = Date()
        let lock = try BuildError.wrap("locking \(layout.path)") { try layout.acquireWriteAccess() }
        defer { withExtendedLifetime(lock) {} }
        let work = try WorkDirectory()
        let base = try await fetchBase(work: work)
        let platform = try resolvePlatform(base: base)
        var resolvedSpec = spec
        resolvedSpec.platform = platform
        let fetcher = SourceFetcher(spec: resolvedSpec, context: context, store: layout.blobs, work: work, session: session)
        var parts: [AssembledArtifact] = []
        var dependencies: [ResolvedDependency] = []
        if let baseImage = spec.base, let base {
            dependencies.append(ResolvedDependency(name: "base", uri: baseImage.text, digest: ["sha256": base.manifestDescriptor.digest.encoded]))
        }
        for artifact in spec.artifacts {
            let fetched = try await fetcher.fetch(artifact)
            let layer: LayerWriter.Result
            if let tree = fetched.treeLayer, ArtifactLayer.isIdentity(artifact, fetched.content) {
                layer = tree  // the canonical tree archive is this layer byte for byte
            } else {
                let writer = ArtifactLayer(artifact: artifact, epoch: spec.epoch, compression: spec.compression)
                layer = try BuildError.wrap("storing the layer of artifact \"\(artifact.name)\"") {
                    try layout.blobs.storeLayer { sink in try writer.write(from: fetched.content, to: sink) }
                }
            }
            parts.append(AssembledArtifact(artifact: artifact, layer: layer, sourceBlobs: fetched.blobs))
            dependencies.append(fetched.resolved)
        }
        let assembler = ImageAssembler(spec: resolvedSpec, platform: platform, base: base)
        let built = try assembler.assemble(parts) { (bytes) throws(BuildError) in
            _ = try BuildError.wrap("storing a document") { try layout.blobs.write(bytes) }
        }
        let statement = ProvenanceStatement(image: built, dependencies: dependencies, startedOn: startedOn, finishedOn: Date())
        let provenance = try statement.store(in: layout.blobs)
        try BuildError.wrap("tagging \(tag ?? built.index.digest.description) in \(layout.path)") {
            try layout.addEntry(built.index, name: tag)
        }
        return Outcome(image: built, provenance: provenance, dependencies: dependencies)
    }

    private func fetchBase(work: WorkDirectory) async throws(BuildError) -> BaseImage? {
        guard let image = spec.base else { return nil }
        let (root, fetched) = try await ImageFetcher(session: session, work: work, context: context).fetch(image, platform: spec.platform, into: layout.blobs)
        return try BaseImage.read(root: root, bytes: fetched.bytes, from: layout.blobs, what: "base image \(image)")
    }

    private func resolvePlatform(base: BaseImage?) throws(BuildError) -> Platform {
        guard let base else { return spec.platform ?? .host }
        let basePlatform = base.config.platform
        if let wanted = spec.platform, !wanted.matches(basePlatform) {
            throw .failed(what: "base image \(spec.base!)", reason: "its platform is \(basePlatform), but the spec builds \(wanted)")
        }
        return spec.platform ?? basePlatform
    }
}

extension BaseImage {
    /// Reads a base image's manifest and config (a single-platform image manifest) from a store.
    static func read(root: Descriptor, bytes: [UInt8], from store: BlobStore, what: String) throws(BuildError) -> BaseImage {
        return try BuildError.wrap(what) {
            guard case let .image(manifest) = try Manifest.parse(bytes, declared: root.mediaType), manifest.config.mediaType.isImageConfig else {
                throw BuildError.failed(what: what, reason: "not an image manifest")
            }
            let config = try ImageConfiguration(jsonBytes: try store.read(manifest.config.digest))
            var rootDescriptor = root
            rootDescriptor.platform = nil
            return BaseImage(manifestDescriptor: rootDescriptor, manifest: manifest, configDescriptor: manifest.config, config: config)
        }
    }
}
