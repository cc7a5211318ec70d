import KleinArchive
import KleinOCI

/// `klein rebuild`: regenerates a build from what the image carries (the embedded spec, the
/// embedded source bytes and the base image's embedded manifest and config), without the network,
/// and compares every digest with the image's. A tree placed at `/` with no owner change is its
/// embedded archive byte for byte, so that layer is checked against the archive (digest and
/// diff_id) rather than written again; `verify` re-archives the tree itself.
public struct Rebuilder {
    /// The build to regenerate.
    public let build: EmbeddedBuild

    /// A rebuild of `build`.
    public init(build: EmbeddedBuild) { self.build = build }

    /// One compared object: what the image has and what the rebuild produced.
    public struct Comparison: Sendable {
        /// What is compared: `index`, `image manifest`, `config`, a layer, ….
        public let object: String
        /// The digest the image has.
        public let expected: Digest
        /// Nil when the rebuild has no such object (the image has more layers than its spec makes).
        public let rebuilt: Digest?
        /// Whether the rebuild produced the same digest.
        public var matches: Bool { expected == rebuilt }
    }

    /// Regenerates every object and compares it with the image's, in `BuiltImage` order.
    public func rebuild() throws(BuildError) -> [Comparison] {
        let spec = build.spec
        guard let platform = spec.platform else { throw .notABuild(image: build.name, reason: "the embedded spec names no platform") }
        let base = try build.base()
        var parts: [AssembledArtifact] = []
        for artifact in spec.artifacts {
            let content = try build.content(of: artifact)
            let writer = ArtifactLayer(artifact: artifact, epoch: spec.epoch, compression: spec.compression)
            let layer: LayerWriter.Result
            if case let .tree(path, digest) = content, ArtifactLayer.isIdentity(artifact, content) {
                layer = try writer.identityLayer(path: path, digest: digest)
            } else {
                layer = try writer.write(from: content, to: DiscardingSink())
            }
            parts.append(AssembledArtifact(artifact: artifact, layer: layer, sourceBlobs: build.blobs(of: artifact)))
        }
        let rebuilt = try ImageAssembler(spec: spec, platform: platform, base: base).assemble(parts) { (_: [UInt8]) throws(BuildError) in }

        var comparisons = [
            Comparison(object: "index", expected: build.index.digest, rebuilt: rebuilt.index.digest),
            Comparison(object: "image manifest", expected: build.image.digest, rebuilt: rebuilt.image.digest),
            Comparison(object: "config", expected: build.manifest.config.digest, rebuilt: rebuilt.config.digest),
        ]
        let baseCount = base?.manifest.layers.count ?? 0
        for (position, expected) in build.manifest.layers.enumerated() {
            let label = position < baseCount
                ? "layer \(position) (base)"
                : "layer \(position) (\(spec.artifacts[safe: position - baseCount]?.name ?? "?"))"
            let produced = rebuilt.layers[safe: position]?.digest
            comparisons.append(Comparison(object: label, expected: expected.digest, rebuilt: produced))
        }
        comparisons.append(Comparison(object: "build sources", expected: build.sources.digest, rebuilt: rebuilt.sources.digest))
        return comparisons
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
