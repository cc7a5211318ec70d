import KleinOCI
#if canImport(Glibc)
import Glibc
#endif

/// How layers are applied.
public struct UnpackOptions: Sendable {
    /// Create character and block devices (only honoured when running as root); otherwise they are skipped with a warning.
    public var createDevices = false
    /// Apply the uid/gid of entries; defaults to whether this process runs as root.
    public var applyOwnership = geteuid() == 0
    /// Against decompression bombs: the largest uncompressed size of one layer, whatever its compressed
    /// size; nil for no absolute bound.
    public var maximumLayerSize: Int64? = 64 << 30
    /// Against decompression bombs: how many times its compressed size a layer may grow to (gzip
    /// reaches about 1000 only on runs of one byte), though every layer may grow to
    /// `expansionAllowance`; nil for no ratio bound.
    public var maximumExpansion: Int64? = 100
    /// What any layer may decompress to under the ratio bound, however small it is compressed.
    public var expansionAllowance: Int64 = 1 << 30

    /// The defaults described on each option.
    public init() {}

    /// The most uncompressed bytes a layer of `compressedSize` bytes (nil when unknown) may have, and
    /// why, or nil when nothing bounds it.
    func uncompressedLimit(compressedSize: Int64?) -> (bytes: Int64, reason: String)? {
        var bound: (bytes: Int64, reason: String)?
        if let maximumExpansion, let compressedSize {
            let (product, overflow) = compressedSize.multipliedReportingOverflow(by: maximumExpansion)
            let allowed = max(overflow ? .max : product, expansionAllowance)
            bound = (allowed, "\(maximumExpansion) times its \(compressedSize) compressed bytes, and at least \(expansionAllowance)")
        }
        if let maximumLayerSize, maximumLayerSize < bound?.bytes ?? .max {
            bound = (maximumLayerSize, "the limit for any layer")
        }
        return bound
    }
}

/// Applies OCI layers to a root directory (image-spec layer.md, "Applying Changesets").
///
/// Every path is resolved inside the root on directory descriptors (`RootDirectory`); `..`, absolute
/// names and reserved whiteout names are refused; whiteouts and opaque whiteouts hide only what lower
/// layers created; content is written before ownership, ownership before mode (so setuid bits survive),
/// directory times last. Each layer is verified against its compressed digest and its `diff_id`.
public final class Unpacker {
    let root: RootDirectory
    let options: UnpackOptions
    /// Things skipped rather than applied (devices when not allowed, unsupported xattrs).
    public private(set) var warnings: [String] = []
    /// The one buffer file contents are copied through.
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)

    /// An unpacker into the existing directory `rootPath`.
    public init(rootPath: String, options: UnpackOptions = UnpackOptions()) throws(ArchiveError) {
        root = try RootDirectory(path: rootPath)
        self.options = options
    }

    deinit { buffer.deallocate() }

    /// Applies one layer. `compression` nil means detect it from the stream's first bytes.
    /// A digest mismatch fails the layer with both digests named, after the stream is fully read.
    /// `compressedSize`, when known, bounds the uncompressed size by `options.maximumExpansion`.
    public func apply(
        layer source: ByteSource, index: Int, compression: LayerCompression? = nil,
        expectedDigest: Digest? = nil, expectedDiffID: Digest? = nil, compressedSize: Int64? = nil
    ) throws(ArchiveError) {
        do {
            try applyVerified(source, index: index, compression: compression, expectedDigest: expectedDigest, expectedDiffID: expectedDiffID,
                              limit: options.uncompressedLimit(compressedSize: compressedSize))
        } catch {
            switch error {
            case .unsafeEntry, .invalidLayerEntry, .layerDigestMismatch, .inLayer: throw error
            default: throw .inLayer(index: index, error: error)
            }
        }
    }

    private func applyVerified(
        _ source: ByteSource, index: Int, compression: LayerCompression?, expectedDigest: Digest?, expectedDiffID: Digest?,
        limit: (bytes: Int64, reason: String)?
    ) throws(ArchiveError) {
        // Four stages, each a few chunks ahead of the next on its own thread, so both cores stay busy:
        // reading and hashing the blob, decompressing, hashing the tar stream, and (here) creating entries.
        let compressed = HashingSource(source)
        let compressedAhead = PrefetchingSource(compressed)
        let decompressed: ByteSource
        if let compression {
            decompressed = try Compression.decompressor(compression, upstream: compressedAhead)
        } else {
            decompressed = try Compression.autoDecompressor(upstream: compressedAhead).0
        }
        let limited = limit.map { LimitedSource(decompressed, limit: $0.bytes, what: "the uncompressed size (bounded by \($0.reason), against decompression bombs)") }
        let uncompressed = HashingSource(PrefetchingSource(limited ?? decompressed))
        let prefetched = PrefetchingSource(uncompressed)
        let reader = TarReader(source: prefetched)
        var layer = LayerApplication(index: index)
        while let entry = try reader.next() {
            try apply(entry, contents: reader, in: &layer)
        }
        if let firstRepeat = layer.firstRepeat {
            warn("layer \(index): \(layer.repeats) entr\(layer.repeats == 1 ? "y names a path" : "ies name paths") an earlier entry of the layer named "
                + "(first: \(firstRepeat)); each replaced the earlier one, as a layer of its own would (layer.md forbids writing such layers)")
        }
        for whiteout in layer.whiteouts {
            try applyWhiteout(whiteout.entry, parentComponents: whiteout.parent, name: whiteout.name, layer: layer)
        }
        try restoreDirectoryMetadata(layer)
        try prefetched.drain()
        // Bytes after the end of the compressed stream count towards the blob's digest too.
        try compressedAhead.drain()
        if let expectedDigest, compressed.digest != expectedDigest {
            throw .layerDigestMismatch(layer: index, what: "compressed", expected: expectedDigest, actual: compressed.digest)
        }
        if let expectedDiffID, uncompressed.digest != expectedDiffID {
            throw .layerDigestMismatch(layer: index, what: "uncompressed (diff_id)", expected: expectedDiffID, actual: uncompressed.digest)
        }
    }

    func warn(_ message: String) { warnings.append(message) }
}

/// What one layer has done so far. Whiteouts must spare what the layer itself created, whatever path
/// (symlinks included) reached it, so created nodes and the directories above them are kept by identity.
struct LayerApplication {
    let index: Int
    /// Normalized entry paths, as bytes: names that are canonically equivalent Unicode (`é` as one code
    /// point or as `e` and a combining accent) are different files on Linux, so `String` equality won't do.
    var paths: Set<BytePath> = []
    /// Entries that named a path an earlier entry of this layer named, and the first of them.
    var repeats = 0
    var firstRepeat: BytePath?
    /// Nodes this layer's entries created or merged into.
    var createdNodes: Set<FileIdentity> = []
    /// Directories on the resolved paths of those nodes, which may hold lower layers' content too.
    var ancestorNodes: Set<FileIdentity> = []
    /// Whiteouts, applied after every entry (layer.md: "applied first, regardless of the ordering").
    var whiteouts: [(entry: TarEntry, parent: [BytePath], name: BytePath)] = []
    /// Directory modes and times by path bytes, set last and deepest first: children need a writable
    /// parent, and creating them changes the parent's mtime. A later entry for the same directory
    /// replaces the record, as it would as a layer of its own.
    var directories: [BytePath: (components: [BytePath], mode: UInt32, mtime: Int64)] = [:]

    init(index: Int) { self.index = index }

    /// Whether this layer put anything at or below the node.
    func touched(_ node: FileIdentity) -> Bool { createdNodes.contains(node) || ancestorNodes.contains(node) }

    /// The bytes of a path below the root, the key of `paths` and `directories`.
    static func key(_ components: [BytePath]) -> BytePath { BytePath(joining: components) }

    /// Forgets the directory records at or below a directory that an entry is replacing: what they
    /// describe is removed with it.
    mutating func forgetDirectories(atOrBelow components: [BytePath]) {
        let prefix = Self.key(components).bytes
        directories = directories.filter { key, _ in
            let key = key.bytes
            return !(key.starts(with: prefix) && (key.count == prefix.count || prefix.isEmpty || key[prefix.count] == UInt8(ascii: "/")))
        }
    }
}

/// Fails a stream that grows past a limit.
final class LimitedSource: ByteSource {
    private let upstream: ByteSource
    private let limit: Int64
    private let what: String
    private var count: Int64 = 0

    init(_ upstream: ByteSource, limit: Int64, what: String) {
        self.upstream = upstream
        self.limit = limit
        self.what = what
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        let read = try upstream.read(into: buffer)
        count += Int64(read)
        guard count <= limit else { throw .limitExceeded(what: what, limit: limit) }
        return read
    }
}
