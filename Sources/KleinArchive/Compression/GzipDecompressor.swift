import CZlib

/// A source that decompresses `upstream`.
///
/// Accepts gzip only (RFC 1952), including several concatenated members as pigz and pgzip may write;
/// bytes after the last member that do not start another member are an error, as is a stream that ends
/// early. Memory stays bounded whatever the output size: callers count bytes to stop decompression bombs.
public final class GzipDecompressor: ByteSource {
    private enum State { case member, betweenMembers, ended }

    private let input: InputBuffer
    private let stream: UnsafeMutablePointer<z_stream>
    private var state = State.member
    private var failure: ArchiveError?

    /// Decompresses what `upstream` gives.
    public init(upstream: ByteSource) throws(ArchiveError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 16: a 32 KiB window and a gzip wrapper (zlib-wrapped and raw streams are refused).
        let status = inflateInit2_(stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw .compression(codec: "gzip", reason: "inflateInit2 failed (\(status))")
        }
        input = InputBuffer(upstream: upstream, capacity: 128 * 1024)
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Fills `buffer` with decompressed bytes; 0 at the end of the stream.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        if let failure { throw failure }
        guard buffer.count > 0 else { return 0 }
        do throws(ArchiveError) {
            return try inflate(into: buffer)
        } catch {
            failure = error
            throw error
        }
    }

    private func inflate(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        while true {
            switch state {
            case .ended:
                return 0
            case .betweenMembers:
                // Another member, the end, or garbage: look at the next two bytes.
                _ = try input.ensure(2)
                if input.available == 0 {
                    state = .ended
                    return 0
                }
                if input.available == 1 || input.byte(at: 1) != 0x8B || input.byte(at: 0) != 0x1F {
                    if input.available == 1 && input.byte(at: 0) == 0x1F { throw truncated() }
                    throw .compression(codec: "gzip", reason: "trailing garbage after gzip member at compressed byte \(input.consumed)")
                }
                guard inflateReset(stream) == Z_OK else { throw .compression(codec: "gzip", reason: "inflateReset failed") }
                state = .member
            case .member:
                guard try input.refillIfEmpty() else { throw truncated() }
                let available = input.available
                stream.pointee.next_in = input.pointer.assumingMemoryBound(to: UInt8.self)
                stream.pointee.avail_in = UInt32(available)
                stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
                stream.pointee.avail_out = UInt32(clamping: buffer.count)
                let status = CZlib.inflate(stream, Z_NO_FLUSH)
                input.consume(available - Int(stream.pointee.avail_in))
                let produced = Int(UInt32(clamping: buffer.count) - stream.pointee.avail_out)
                switch status {
                case Z_OK, Z_BUF_ERROR:
                    break
                case Z_STREAM_END:
                    state = .betweenMembers
                case Z_NEED_DICT:
                    throw .compression(codec: "gzip", reason: "stream needs a preset dictionary")
                case Z_MEM_ERROR:
                    throw .compression(codec: "gzip", reason: "out of memory")
                default:
                    let message = stream.pointee.msg.map { String(cString: $0) } ?? "inflate failed (\(status))"
                    throw .compression(codec: "gzip", reason: message)
                }
                if produced > 0 { return produced }
            }
        }
    }

    private func truncated() -> ArchiveError {
        .compression(codec: "gzip", reason: "truncated: the stream ends after \(input.consumed) bytes, inside a gzip member")
    }
}
