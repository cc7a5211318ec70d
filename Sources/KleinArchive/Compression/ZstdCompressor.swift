import CZstd

/// A sink that compresses what is written and writes the compressed bytes to `downstream`; `finish()` ends the stream and then finishes `downstream`.
///
/// Writes one zstd frame with a checksum, no content size, and a fixed window (`windowLog`). It always
/// uses zstd's multi-threaded mode (`ZSTD_c_nbWorkers` ≥ 1), whose output zstd documents, and Klein's
/// tests check, to be identical for any number of workers; it differs from single-threaded mode
/// (`nbWorkers` = 0), which Klein never uses. Input is only ever passed with `ZSTD_e_continue` and the
/// frame ended with an empty `ZSTD_e_end`, so zstd never learns the size and the parameters, hence the
/// bytes, do not depend on how the input is split into `write` calls.
public final class ZstdCompressor: ByteSink {
    /// zstd's default level, 3. On the 196 MiB tree measured for `GzipCompressor.defaultLevel`, with 2 workers:
    /// 1.5 CPU seconds for 36.0% of the input (level 1: 0.8 s, 40.3%; gzip level 3: 5 s, 46.3%).
    public static let defaultLevel: Int32 = 3
    /// A 2 MiB window, level 3's for streams of unknown size, pinned so that it never follows level tables.
    package static let windowLog: Int32 = 21
    /// Bytes each worker compresses at a time, pinned (zstd's default would be 8 MiB at this window):
    /// it bounds memory (about workers × 3 job sizes) and is part of what makes the output reproducible.
    package static let jobSize: Int32 = 2 << 20

    private let downstream: ByteSink
    private let context: OpaquePointer
    private let output: UnsafeMutableRawPointer
    private let outputCapacity: Int
    private var finished = false
    private var failure: ArchiveError?

    /// Compresses into `downstream` at `level` (zstd's range, negative levels included) with `workers` threads.
    public init(downstream: ByteSink, level: Int32 = ZstdCompressor.defaultLevel, workers: Int = Compression.defaultWorkers) throws(ArchiveError) {
        guard level >= ZSTD_minCLevel() && level <= ZSTD_maxCLevel() else {
            throw .compression(codec: "zstd", reason: "invalid level \(level); expected \(ZSTD_minCLevel())-\(ZSTD_maxCLevel())")
        }
        guard let context = ZSTD_createCCtx() else { throw .compression(codec: "zstd", reason: "cannot create a compression context") }
        self.context = context
        self.downstream = downstream
        outputCapacity = ZSTD_CStreamOutSize()
        output = .allocate(byteCount: outputCapacity, alignment: 16)
        try set(ZSTD_c_compressionLevel, level, "level")
        try set(ZSTD_c_checksumFlag, 1, "checksum flag")
        try set(ZSTD_c_contentSizeFlag, 0, "content size flag")
        try set(ZSTD_c_windowLog, Self.windowLog, "window log")
        try set(ZSTD_c_jobSize, Self.jobSize, "job size")
        let bounds = ZSTD_cParam_getBounds(ZSTD_c_nbWorkers)
        guard ZSTD_isError(bounds.error) == 0, bounds.upperBound >= 1 else {
            throw .compression(codec: "zstd", reason: "libzstd was built without multi-threading, which Klein's deterministic output requires")
        }
        try set(ZSTD_c_nbWorkers, Int32(min(max(1, workers), Int(bounds.upperBound))), "workers")
    }

    deinit {
        ZSTD_freeCCtx(context)
        output.deallocate()
    }

    private func set(_ parameter: ZSTD_cParameter, _ value: Int32, _ name: String) throws(ArchiveError) {
        let result = ZSTD_CCtx_setParameter(context, parameter, value)
        if ZSTD_isError(result) != 0 {
            throw .compression(codec: "zstd", reason: "invalid \(name) \(value): \(String(cString: ZSTD_getErrorName(result)))")
        }
    }

    /// Compresses `buffer` into the frame.
    public func write(_ buffer: UnsafeRawBufferPointer) throws(ArchiveError) {
        if let failure { throw failure }
        guard !finished else { throw .compression(codec: "zstd", reason: "write after finish") }
        guard buffer.count > 0 else { return }
        var input = ZSTD_inBuffer(src: buffer.baseAddress, size: buffer.count, pos: 0)
        do throws(ArchiveError) {
            while input.pos < input.size {
                _ = try step(&input, ZSTD_e_continue)
            }
        } catch {
            failure = error
            throw error
        }
    }

    /// Ends the frame and finishes `downstream`; later calls do nothing.
    public func finish() throws(ArchiveError) {
        if finished { return }
        if let failure { throw failure }
        var input = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
        do throws(ArchiveError) {
            while try step(&input, ZSTD_e_end) != 0 {}
            finished = true
            try downstream.finish()
        } catch {
            failure = error
            throw error
        }
    }

    /// One call to ZSTD_compressStream2, its output written downstream; returns zstd's remaining-to-flush hint.
    private func step(_ input: inout ZSTD_inBuffer, _ directive: ZSTD_EndDirective) throws(ArchiveError) -> Int {
        var out = ZSTD_outBuffer(dst: output, size: outputCapacity, pos: 0)
        let result = ZSTD_compressStream2(context, &out, &input, directive)
        if ZSTD_isError(result) != 0 {
            throw .compression(codec: "zstd", reason: String(cString: ZSTD_getErrorName(result)))
        }
        if out.pos > 0 { try downstream.write(UnsafeRawBufferPointer(start: output, count: out.pos)) }
        return result
    }
}
