import KleinArchive
import KleinOCI
import KleinStore

/// An image in a local OCI layout, ready to unpack and run: its manifest (picked from an index for a
/// platform) and its config, checked to describe a root file system layer by layer.
public struct RunnableImage: Sendable {
    /// The layout (store) holding the image.
    public let layout: OCILayout
    /// The digest of the image manifest chosen.
    public let manifestDigest: Digest
    /// The image manifest.
    public let manifest: ImageManifest
    /// The image config.
    public let config: ImageConfiguration

    /// Indexes nested deeper than this are refused.
    static let nestingLimit = 8

    /// Resolves `selector` (a ref name, a digest, or "" for the layout's only image) in `layout` once,
    /// then reads what the descriptor it names points to, as ``init(layout:descriptor:platform:)``.
    public init(layout: OCILayout, selector: String, platform: Platform) throws(RuntimeError) {
        let descriptor = try RuntimeError.wrap { try layout.resolve(selector) }
        try self.init(layout: layout, descriptor: descriptor, platform: platform, name: selector.isEmpty ? layout.path : selector)
    }

    /// The image `descriptor` (an image manifest, or an index) names in `layout`, descending through
    /// indexes to the manifest for `platform` with the one index matcher, `ImageIndex.manifest(for:)`.
    public init(layout: OCILayout, descriptor: Descriptor, platform: Platform) throws(RuntimeError) {
        try self.init(layout: layout, descriptor: descriptor, platform: platform, name: descriptor.digest.description)
    }

    private init(layout: OCILayout, descriptor root: Descriptor, platform: Platform, name: String) throws(RuntimeError) {
        var descriptor = root
        for _ in 0..<Self.nestingLimit {
            let bytes = try RuntimeError.wrap { try layout.blobs.read(descriptor.digest) }
            switch try RuntimeError.wrap({ try Manifest.parse(bytes, declared: descriptor.mediaType.isManifest ? descriptor.mediaType : nil) }) {
            case let .index(index):
                guard let chosen = index.manifest(for: platform) else {
                    let offered = index.manifests.compactMap { $0.platform?.description }.joined(separator: ", ")
                    throw .image("\(name) has no manifest for \(platform) (it has: \(offered.isEmpty ? "none with a platform" : offered))")
                }
                descriptor = chosen
            case let .image(manifest):
                guard manifest.config.mediaType.isImageConfig else {
                    throw .image("\(descriptor.digest) is an artifact (\(manifest.effectiveArtifactType)), not an image")
                }
                let config = try RuntimeError.wrap { try ImageConfiguration(jsonBytes: try layout.blobs.read(manifest.config.digest)) }
                guard config.rootfs.diffIDs.count == manifest.layers.count else {
                    throw .image("\(descriptor.digest): the config lists \(config.rootfs.diffIDs.count) diff_ids for \(manifest.layers.count) layers")
                }
                for (index, layer) in manifest.layers.enumerated() where layer.mediaType.layerCompression == nil {
                    throw .image("\(descriptor.digest): layer \(index) has media type \(layer.mediaType), not a layer type")
                }
                self.layout = layout
                self.manifestDigest = descriptor.digest
                self.manifest = manifest
                self.config = config
                return
            }
        }
        throw .image("\(name): indexes nested more than \(Self.nestingLimit) deep")
    }

    /// image-spec config.md, "Layer ChainID": names the unpacked stack of these layers.
    public var chainID: Digest {
        config.rootfs.diffIDs.dropFirst().reduce(config.rootfs.diffIDs.first ?? Digest.of([UInt8]())) { chain, diffID in
            Digest.of(Array("\(chain) \(diffID)".utf8))
        }
    }

    /// Applies every layer, in order, to the directory `root`, read from the layout's `BlobStore` and
    /// verified against its descriptor digest and its `diff_id`. Returns what was skipped rather than applied.
    public func unpack(into root: String, options: UnpackOptions = UnpackOptions()) throws(RuntimeError) -> [String] {
        try RuntimeError.wrap {
            let unpacker = try Unpacker(rootPath: root, options: options)
            for (index, layer) in manifest.layers.enumerated() {
                try unpacker.apply(layer: StoredBlob(try layout.blobs.open(layer.digest)), index: index,
                                   compression: layer.mediaType.layerCompression, expectedDigest: layer.digest,
                                   expectedDiffID: config.rootfs.diffIDs[index], compressedSize: layer.size)
            }
            return unpacker.warnings
        }
    }
}
