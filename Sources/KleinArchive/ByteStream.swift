import KleinOCI
import KleinSystem

/// A destination of bytes: a file, a hasher, or a compressor feeding another sink.
/// Stages compose: `TarWriter → HashingSink(diff_id) → GzipCompressor → HashingSink(blob) → FileSink`.
public protocol ByteSink: AnyObject {
    /// Takes all of `buffer`.
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
package final class HashingSink: ByteSink {
    /// The hasher, shared with the background thread when there is one.
    private final class State: @unchecked Sendable {
        var hasher = DigestHasher()
    }

    private let downstream: ByteSink
    private let state = State()
    private let behind: WriteBehind?
    /// Bytes written so far.
    package private(set) var count: Int64 = 0

    /// Forwards to `downstream`, hashing on a thread of its own when `inBackground`.
    package init(_ downstream: ByteSink, inBackground: Bool = false) {
        self.downstream = downstream
        let state = self.state
        behind = inBackground ? WriteBehind { state.hasher.update($0) } : nil
    }

    /// The digest of everything written; read once the stream is finished.
    package var digest: Digest {
        behind?.finish()
        return state.hasher.finalize()
    }

    /// Hashes `buffer` and writes it downstream.
    package func write(_ buffer: UnsafeRawBufferPointer) throws(ArchiveError) {
        if let behind { behind.write(buffer) } else { state.hasher.update(buffer) }
        count += Int64(buffer.count)
        try downstream.write(buffer)
    }

    /// Finishes `downstream`, then the hashing.
    package func finish() throws(ArchiveError) {
        try downstream.finish()
        behind?.finish()
    }
}

/// Hashes everything read through it.
package final class HashingSource: ByteSource {
    private let upstream: ByteSource
    private var hasher = DigestHasher()

    /// Reads from `upstream`.
    package init(_ upstream: ByteSource) { self.upstream = upstream }

    /// The digest of everything read so far.
    package var digest: Digest { hasher.finalize() }
    /// Bytes read so far.
    package var count: Int64 { hasher.count }

    /// Reads from upstream and hashes what came.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        let count = try upstream.read(into: buffer)
        hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        return count
    }
}

/// Collects written bytes in memory (tests and small documents only).
public final class MemorySink: ByteSink {
    /// Everything written so far.
    public private(set) var bytes: [UInt8] = []
    /// Whether `finish()` was called.
    public private(set) var finished = false

    /// An empty sink.
    public init() {}

    /// Appends `buffer` to `bytes`.
    public func write(_ buffer: UnsafeRawBufferPointer) throws(ArchiveError) { bytes.append(contentsOf: buffer) }
    /// Marks the sink finished.
    public func finish() throws(ArchiveError) { finished = true }
}

/// Reads from bytes in memory (tests and small documents only).
public final class MemorySource: ByteSource {
    private let bytes: [UInt8]
    private var position = 0

    /// A source of `bytes`.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Copies the next bytes into `buffer`; 0 at the end.
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
