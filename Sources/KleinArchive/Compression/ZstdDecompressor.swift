import CZstd

/// A source that decompresses `upstream`.
///
/// Reads one or more zstd frames (skippable frames included) and verifies their checksums. Bytes after a
/// frame that do not start another frame are an error, as is a stream that ends early. The window is
/// capped at zstd's default limit (128 MiB), so memory stays bounded whatever the output size.
public final class ZstdDecompressor: ByteSource {
    private let input: InputBuffer
    private let context: OpaquePointer
    /// zstd's hint from the last call: 0 at a frame boundary.
    private var remaining = 1
    private var ended = false
    private var failure: ArchiveError?

    /// Decompresses what `upstream` gives.
    public init(upstream: ByteSource) throws(ArchiveError) {
        guard let context = ZSTD_createDCtx() else { throw .compression(codec: "zstd", reason: "cannot create a decompression context") }
        self.context = context
        input = InputBuffer(upstream: upstream, capacity: ZSTD_DStreamInSize())
    }

    deinit { ZSTD_freeDCtx(context) }

    /// Fills `buffer` with decompressed bytes; 0 at the end of the stream.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        if let failure { throw failure }
        guard buffer.count > 0, !ended else { return 0 }
        do throws(ArchiveError) {
            return try decompress(into: buffer)
        } catch {
            failure = error
            throw error
        }
    }

    private func decompress(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        var output = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
        while true {
            if remaining == 0 {
                // Between frames: another frame, the end, or garbage.
                _ = try input.ensure(4)
                if input.available == 0 {
                    ended = true
                    return 0
                }
                guard input.available >= 4,
                      Compression.isZstdFrameStart(input.byte(at: 0), input.byte(at: 1), input.byte(at: 2), input.byte(at: 3))
                else {
                    throw .compression(codec: "zstd", reason: "trailing garbage after zstd frame at compressed byte \(input.consumed)")
                }
            }
            let hasInput = try input.refillIfEmpty()
            let available = input.available
            var source = ZSTD_inBuffer(src: UnsafeRawPointer(input.pointer), size: available, pos: 0)
            let result = ZSTD_decompressStream(context, &output, &source)
            input.consume(source.pos)
            if ZSTD_isError(result) != 0 {
                throw .compression(codec: "zstd", reason: String(cString: ZSTD_getErrorName(result)))
            }
            remaining = result
            if output.pos > 0 { return output.pos }
            if !hasInput && source.pos == 0 && result != 0 {
                throw .compression(codec: "zstd", reason: "truncated: the stream ends after \(input.consumed) bytes, inside a zstd frame")
            }
        }
    }
}
