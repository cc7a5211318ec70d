import KleinOCI

/// The chain every layer is written through: tar bytes → diff_id hash → compressor → blob hash → sink.
/// Both hashes run on threads of their own, overlapping with reading files and compressing; an
/// uncompressed layer is hashed once, since its blob is its tar.
package final class LayerStream {
    private let compression: LayerCompression
    /// Where the tar stream goes; finishing it finishes the whole chain.
    package let input: ByteSink
    private let blob: HashingSink
    private let diff: HashingSink

    /// A chain compressing as `compression` into `sink`.
    package init(compression: LayerCompression, to sink: ByteSink) throws(ArchiveError) {
        self.compression = compression
        blob = HashingSink(sink, inBackground: true)
        diff = compression == .none ? blob : HashingSink(try Compression.compressor(compression, downstream: blob), inBackground: true)
        input = diff
    }

    /// The layer's digests, size and media type, once `input` is finished.
    package var result: LayerWriter.Result {
        LayerWriter.Result(digest: blob.digest, diffID: diff.digest, size: blob.count, mediaType: compression.layerMediaType)
    }
}

extension LayerCompression {
    /// The OCI layer media type of a tar stream compressed this way.
    public var layerMediaType: MediaType {
        switch self {
        case .none: .ociLayer
        case .gzip: .ociLayerGzip
        case .zstd: .ociLayerZstd
        }
    }
}
