import KleinOCI
#if canImport(Glibc)
import Glibc
#endif

/// Chooses and builds the compressor or decompressor for an OCI layer's compression.
public enum Compression {
    /// The default number of compression workers: the CPUs this process may run on.
    public static let defaultWorkers: Int = availableCPUs()

    /// A sink that compresses into `downstream` as `kind` at the codec's default level; `.none` returns `downstream` itself.
    public static func compressor(_ kind: LayerCompression, downstream: ByteSink) throws(ArchiveError) -> ByteSink {
        switch kind {
        case .none: return downstream
        case .gzip: return try GzipCompressor(downstream: downstream)
        case .zstd: return try ZstdCompressor(downstream: downstream)
        }
    }

    /// A source that decompresses `upstream` as `kind`; `.none` returns `upstream` itself.
    public static func decompressor(_ kind: LayerCompression, upstream: ByteSource) throws(ArchiveError) -> ByteSource {
        switch kind {
        case .none: return upstream
        case .gzip: return try GzipDecompressor(upstream: upstream)
        case .zstd: return try ZstdDecompressor(upstream: upstream)
        }
    }

    /// Sniffs gzip (1f 8b), zstd (28 b5 2f fd, or a skippable frame 5? 2a 4d 18) or plain (anything else) from the first bytes.
    public static func detect(_ prefix: UnsafeRawBufferPointer) -> LayerCompression {
        if prefix.count >= 2 && prefix[0] == 0x1F && prefix[1] == 0x8B { return .gzip }
        if prefix.count >= 4 && isZstdFrameStart(prefix[0], prefix[1], prefix[2], prefix[3]) { return .zstd }
        return .none
    }

    /// Wraps `upstream` so the first bytes are sniffed, then decompresses accordingly (auto-detection).
    /// Returns the source to read and the compression found; plain streams are passed through unchanged.
    public static func autoDecompressor(upstream: ByteSource) throws(ArchiveError) -> (ByteSource, LayerCompression) {
        var prefix = [UInt8](repeating: 0, count: 4)
        var count = 0
        while count < prefix.count {
            let read = try prefix.withUnsafeMutableBytes { buffer in
                Result { () throws(ArchiveError) -> Int in
                    try upstream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[count...]))
                }
            }.get()
            if read == 0 { break }
            count += read
        }
        prefix.removeLast(prefix.count - count)
        let kind = prefix.withUnsafeBytes { detect($0) }
        let replay = PrefixedSource(prefix: prefix, upstream: upstream)
        return (try decompressor(kind, upstream: replay), kind)
    }

    /// True for the zstd frame magic (28 b5 2f fd) or a skippable frame's (50-5f 2a 4d 18), little-endian on the wire.
    static func isZstdFrameStart(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8) -> Bool {
        (b0 == 0x28 && b1 == 0xB5 && b2 == 0x2F && b3 == 0xFD) || (b0 & 0xF0 == 0x50 && b1 == 0x2A && b2 == 0x4D && b3 == 0x18)
    }

    private static func availableCPUs() -> Int {
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

/// Replays bytes already read from `upstream` (a sniffed prefix), then continues with `upstream`.
final class PrefixedSource: ByteSource {
    private let prefix: [UInt8]
    private var position = 0
    private let upstream: ByteSource

    init(prefix: [UInt8], upstream: ByteSource) {
        self.prefix = prefix
        self.upstream = upstream
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        guard position < prefix.count else { return try upstream.read(into: buffer) }
        let count = min(buffer.count, prefix.count - position)
        prefix.withUnsafeBytes { bytes in
            buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + position, byteCount: count)
        }
        position += count
        return count
    }
}

/// A read-ahead buffer over a compressed upstream, shared by the decompressors.
final class InputBuffer {
    let upstream: ByteSource
    private let storage: UnsafeMutableRawPointer
    private let capacity: Int
    private var start = 0
    private var end = 0
    /// The upstream returned 0.
    private(set) var atEnd = false
    /// Compressed bytes consumed so far.
    private(set) var consumed: Int64 = 0

    init(upstream: ByteSource, capacity: Int) {
        self.upstream = upstream
        self.capacity = capacity
        storage = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    var available: Int { end - start }
    var pointer: UnsafeMutableRawPointer { storage + start }

    func byte(at index: Int) -> UInt8 { storage.load(fromByteOffset: start + index, as: UInt8.self) }

    func consume(_ count: Int) {
        start += count
        consumed += Int64(count)
    }

    /// Reads more when the buffer is empty; false when it is empty and the upstream has ended.
    func refillIfEmpty() throws(ArchiveError) -> Bool {
        if available > 0 { return true }
        return try ensure(1)
    }

    /// Reads until at least `count` bytes are buffered; false if the upstream ends first.
    func ensure(_ count: Int) throws(ArchiveError) -> Bool {
        precondition(count <= capacity)
        while available < count {
            if atEnd { return false }
            if start > 0 {
                if available > 0 { storage.copyMemory(from: storage + start, byteCount: available) }
                end = available
                start = 0
            }
            let read = try upstream.read(into: UnsafeMutableRawBufferPointer(start: storage + end, count: capacity - end))
            if read == 0 { atEnd = true } else { end += read }
        }
        return true
    }
}
