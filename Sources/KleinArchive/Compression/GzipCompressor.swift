import CZlib
import Dispatch
import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

/// A sink that compresses what is written and writes the compressed bytes to `downstream`; `finish()` ends the stream and then finishes `downstream`.
///
/// Parallel and deterministic, as pigz and pgzip do it: the input is cut into blocks of
/// `GzipCompressor.blockSize` bytes, each compressed as raw deflate on a worker thread with the previous
/// block's last 32 KiB as dictionary, non-final blocks ended by a sync flush. Blocks are written in order
/// behind a header with mtime 0, no name, no comment, no extra field and OS 255 (unknown, as Go's
/// compress/gzip), then the combined CRC-32 and size. The output depends only on the input bytes and the
/// level, never on how the input is split into `write` calls or on `workers`. At most `workers` blocks are
/// compressed at once and at most 2 × `workers` + 1 blocks (about 2.4 MiB each, with their deflate state) exist.
public final class GzipCompressor: ByteSink {
    /// zlib level 3: the fastest level whose output stays within ~5% of level 6's. Measured with 2 workers
    /// and 1 MiB blocks on a 196 MiB tar of /etc, /usr/bin, /usr/lib/x86_64-linux-gnu and /usr/share
    /// (CPU seconds, output size against level 6): level 1 3.9 s +6.9%, level 2 4.1 s +5.3%,
    /// level 3 4.9-5.3 s +4.2%, level 4 5.6 s +2.1%, level 6 9.5 s. For comparison `umoci repack` (pgzip)
    /// spent 7.7 CPU seconds on the whole repack of the same tree for output 0.6% larger than level 3's.
    /// Changing the level changes every layer digest.
    public static let defaultLevel: Int32 = 3
    /// Uncompressed bytes per independently compressed block: 1 MiB, measured faster than 128 KiB (pigz),
    /// 256 KiB (umoci's pgzip setting) and 4 MiB at level 3, for output 0.1% larger than with 128 KiB.
    /// Part of the output format: changing it changes every digest.
    package static let blockSize = 1 << 20
    /// Deflate's window: each block is primed with this much of the previous block.
    static let windowSize = 32 * 1024
    /// Go's compress/gzip writes 255 ("unknown") for the OS; so does Klein, on every platform.
    static let operatingSystem: UInt8 = 255

    private let downstream: ByteSink
    private let level: Int32
    private let workers: Int
    private let maximumPending: Int
    /// Threads of its own: on Dispatch's pool, which the caller may already occupy (an async command runs
    /// there), blocks waited for a free thread and only one core compressed for the first second.
    private let threads: WorkerThreads
    private let slots: DispatchSemaphore
    /// The block being filled by `write`.
    private var current: GzipBlock?
    /// Blocks handed to workers, in stream order; written and recycled from the front.
    private var pending: [GzipBlock] = []
    private var spare: [GzipBlock] = []
    private var crc: UInt = 0
    private var size: UInt64 = 0
    private var headerWritten = false
    private var finished = false
    private var failure: ArchiveError?

    /// Compresses into `downstream` at `level` (0-9, or -1 for zlib's default 6) on up to `workers` threads.
    public init(downstream: ByteSink, level: Int32 = GzipCompressor.defaultLevel, workers: Int = Compression.defaultWorkers) throws(ArchiveError) {
        guard level >= -1 && level <= 9 else { throw .compression(codec: "gzip", reason: "invalid level \(level); expected 0-9") }
        self.downstream = downstream
        self.level = level == -1 ? 6 : level
        self.workers = max(1, workers)
        maximumPending = 2 * self.workers
        threads = WorkerThreads(count: self.workers)
        slots = DispatchSemaphore(value: self.workers)
        // Fail now, not on the first block, if zlib cannot set up a stream at this level.
        let probe = try GzipBlock(level: self.level)
        spare.append(probe)
    }

    deinit {
        // Workers still hold blocks when a failed or abandoned stream is dropped: let them finish first.
        for block in pending { block.done.wait() }
    }

    /// Compresses `buffer`, a block at a time as blocks fill.
    public func write(_ buffer: UnsafeRawBufferPointer) throws(ArchiveError) {
        try checkOpen()
        var offset = 0
        do throws(ArchiveError) {
            while offset < buffer.count {
                var block = try currentBlock()
                if block.count == Self.blockSize {
                    // More data follows, so this full block is not the last one.
                    let next = try takeBlock()
                    next.prime(from: block)
                    try submit(block, final: false)
                    current = next
                    block = next
                }
                let count = min(Self.blockSize - block.count, buffer.count - offset)
                (block.data + block.count).copyMemory(from: buffer.baseAddress! + offset, byteCount: count)
                block.count += count
                offset += count
            }
        } catch {
            failure = error
            throw error
        }
    }

    /// Compresses the last block, writes the trailer and finishes `downstream`; later calls do nothing.
    public func finish() throws(ArchiveError) {
        if finished { return }
        try checkOpen()
        do throws(ArchiveError) {
            let block = try currentBlock()
            current = nil
            try drain(untilAtMost: 0)
            // Everything before is written: compress the last block here, no hand-off needed.
            block.isFinal = true
            block.compress()
            try emit(block)
            var trailer = [UInt8](repeating: 0, count: 8)
            for index in 0..<4 {
                trailer[index] = UInt8(truncatingIfNeeded: crc >> (8 * index))
                trailer[4 + index] = UInt8(truncatingIfNeeded: size >> (8 * index))
            }
            try trailer.withUnsafeBytes { bytes in Result { () throws(ArchiveError) in try downstream.write(bytes) } }.get()
            finished = true
            try downstream.finish()
        } catch {
            failure = error
            throw error
        }
    }

    private func checkOpen() throws(ArchiveError) {
        if let failure { throw failure }
        if finished { throw .compression(codec: "gzip", reason: "write after finish") }
    }

    private func currentBlock() throws(ArchiveError) -> GzipBlock {
        if let current { return current }
        let block = try takeBlock()
        current = block
        return block
    }

    private func takeBlock() throws(ArchiveError) -> GzipBlock {
        guard let block = spare.popLast() else { return try GzipBlock(level: level) }
        block.reset()
        return block
    }

    private func submit(_ block: GzipBlock, final: Bool) throws(ArchiveError) {
        block.isFinal = final
        try drain(untilAtMost: maximumPending - 1)
        slots.wait()
        pending.append(block)
        let slots = self.slots
        threads.submit {
            block.compress()
            slots.signal()
            block.done.signal()
        }
        try drainCompleted()
    }

    /// Writes finished blocks from the front without waiting.
    private func drainCompleted() throws(ArchiveError) {
        while let head = pending.first, head.done.wait(timeout: .now()) == .success {
            pending.removeFirst()
            try emit(head)
        }
    }

    /// Waits for and writes blocks from the front until at most `limit` remain pending.
    private func drain(untilAtMost limit: Int) throws(ArchiveError) {
        while pending.count > limit {
            let head = pending.removeFirst()
            head.done.wait()
            try emit(head)
        }
    }

    private func emit(_ block: GzipBlock) throws(ArchiveError) {
        defer { spare.append(block) }
        if let reason = block.failure { throw .compression(codec: "gzip", reason: reason) }
        if !headerWritten {
            headerWritten = true
            let extraFlags: UInt8 = level == 9 ? 2 : level < 2 ? 4 : 0   // as zlib and Go set XFL
            let header: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, extraFlags, Self.operatingSystem]
            try header.withUnsafeBytes { bytes in Result { () throws(ArchiveError) in try downstream.write(bytes) } }.get()
        }
        try downstream.write(UnsafeRawBufferPointer(start: block.output, count: block.outputCount))
        crc = crc32_combine(crc, block.crc, numericCast(block.count))
        size &+= UInt64(block.count)
    }
}

/// One block of input with its dictionary, its compressed output and the deflate stream that makes it.
/// Mutated by one thread at a time: the writer before submission, a worker until `done`, the writer after.
final class GzipBlock: @unchecked Sendable {
    /// `windowSize` bytes of dictionary room, then `blockSize` bytes of data.
    private let input: UnsafeMutableRawPointer
    private let stream: UnsafeMutablePointer<z_stream>
    var dictionaryCount = 0
    var count = 0
    var isFinal = false
    private(set) var output: UnsafeMutableRawPointer
    private var outputCapacity: Int
    private(set) var outputCount = 0
    private(set) var crc: UInt = 0
    private(set) var failure: String?
    let done = DispatchSemaphore(value: 0)

    init(level: Int32) throws(ArchiveError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = deflateInit2_(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw .compression(codec: "gzip", reason: "deflateInit2 failed (\(status))")
        }
        input = .allocate(byteCount: GzipCompressor.windowSize + GzipCompressor.blockSize, alignment: 16)
        // Enough for incompressible data plus the flush marker; compress() grows it if ever needed.
        outputCapacity = GzipCompressor.blockSize + GzipCompressor.blockSize / 16 + 1024
        output = .allocate(byteCount: outputCapacity, alignment: 16)
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
        input.deallocate()
        output.deallocate()
    }

    var data: UnsafeMutableRawPointer { input + GzipCompressor.windowSize }

    func reset() {
        dictionaryCount = 0
        count = 0
        isFinal = false
        outputCount = 0
        failure = nil
    }

    /// Copies the last 32 KiB of `previous` (dictionary and data together) as this block's dictionary.
    func prime(from previous: GzipBlock) {
        let available = previous.dictionaryCount + previous.count
        dictionaryCount = min(GzipCompressor.windowSize, available)
        let end = previous.data + previous.count
        (data - dictionaryCount).copyMemory(from: end - dictionaryCount, byteCount: dictionaryCount)
    }

    /// Compresses the block as raw deflate: sync-flushed, or finished when it is the last one.
    func compress() {
        let bytes = data.assumingMemoryBound(to: UInt8.self)
        crc = crc32(0, bytes, UInt32(count))
        outputCount = 0
        guard deflateReset(stream) == Z_OK else { failure = "deflateReset failed"; return }
        if dictionaryCount > 0 {
            let status = deflateSetDictionary(stream, bytes - dictionaryCount, UInt32(dictionaryCount))
            guard status == Z_OK else { failure = "deflateSetDictionary failed (\(status))"; return }
        }
        stream.pointee.next_in = bytes
        stream.pointee.avail_in = UInt32(count)
        let flush = isFinal ? Z_FINISH : Z_SYNC_FLUSH
        while true {
            if outputCapacity - outputCount < 64 {
                let grown = UnsafeMutableRawPointer.allocate(byteCount: outputCapacity * 2, alignment: 16)
                grown.copyMemory(from: output, byteCount: outputCount)
                output.deallocate()
                output = grown
                outputCapacity *= 2
            }
            let room = outputCapacity - outputCount
            stream.pointee.next_out = (output + outputCount).assumingMemoryBound(to: UInt8.self)
            stream.pointee.avail_out = UInt32(room)
            let status = deflate(stream, flush)
            outputCount += room - Int(stream.pointee.avail_out)
            if status == Z_STREAM_END { return }
            guard status == Z_OK || status == Z_BUF_ERROR else {
                failure = stream.pointee.msg.map { String(cString: $0) } ?? "deflate failed (\(status))"
                return
            }
            // A sync flush is complete once deflate returns with output room to spare.
            if !isFinal && stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 { return }
        }
    }
}
