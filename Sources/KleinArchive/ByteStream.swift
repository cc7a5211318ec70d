import KleinOCI
import KleinSystem

/// A destination of bytes: a file, a hasher, or a compressor feeding another sink.
/// Stages compose: `TarWriter → HashingSink(diff_id) → GzipCompressor → HashingSink(blob) → FileSink`.
public protocol ByteSink: AnyObject {
    func write(_ buffer: UnsafeRawBufferPointer) throws(ArchiveError)
    /// Ends the stream: compressors write their trailer, then finish their downstream sink.
    func finish() throws(ArchiveError)
}

/// A source of bytes read in chunks.
public protocol ByteSource: AnyObject {
    /// Reads up to `buffer.count` bytes; returns 0 only at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int
}

extension ByteSource {
    /// Reads to the end of the stream, discarding the bytes (so hashes and trailers are checked).
    public func drain() throws(ArchiveError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer { buffer.deallocate() }
        while try read(into: buffer) > 0 {}
    }
}

/// Hashes everything written through it, then forwards it. `inBackground` hashes on a thread of its
/// own (`WriteBehind`), so that hashing overlaps with what the writer and `downstream` do; `digest` then
/// waits for it, and is read once the stream is finished.
public final class HashingSink: ByteSink {
    /// The hasher, shared with the background thread when there is one.
    private final class State: @unchecked Sendable {
        var hasher = DigestHasher()
    }

    private let downstream: ByteSink
    private let state = State()
    private let behind: WriteBehind?
    public private(set) var count: Int64 = 0

    public init(_ downstream: ByteSink, inBackground: Bool = false) {
        self.downstream = downstream
        let state = self.state
        behind = inBackground ? WriteBehind { state.hasher.update($0) } : nil
    }

    public var digest: Digest {
        behind?.finish()
        return state.hasher.finalize()
    }

    public func write(_ buffer: UnsafeRawBufferPointer) throws(ArchiveError) {
        if let behind { behind.write(buffer) } else { state.hasher.update(buffer) }
        count += Int64(buffer.count)
        try downstream.write(buffer)
    }

    public func finish() throws(ArchiveError) {
        try downstream.finish()
        behind?.finish()
    }
}

/// Hashes everything read through it.
public final class HashingSource: ByteSource {
    private let upstream: ByteSource
    private var hasher = DigestHasher()

    public init(_ upstream: ByteSource) { self.upstream = upstream }

    public var digest: Digest { hasher.finalize() }
    public var count: Int64 { hasher.count }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        let count = try upstream.read(into: buffer)
        hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        return count
    }
}

/// Collects written bytes in memory (tests and small documents only).
public final class MemorySink: ByteSink {
    public private(set) var bytes: [UInt8] = []
    public private(set) var finished = false

    public init() {}

    public func write(_ buffer: UnsafeRawBufferPointer) throws(ArchiveError) { bytes.append(contentsOf: buffer) }
    public func finish() throws(ArchiveError) { finished = true }
}

/// Reads from bytes in memory (tests and small documents only).
public final class MemorySource: ByteSource {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        let count = min(buffer.count, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + position, byteCount: count)
        }
        position += count
        return count
    }
}
