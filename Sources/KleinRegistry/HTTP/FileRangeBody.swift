import Hummingbird
import KleinSystem
import NIOPosix

/// A byte range of an open file as a response body. Ranges up to `inlineLimit` are read at once (a
/// manifest answers in one write); larger ones are streamed in `chunkSize` chunks read on NIO's
/// blocking-I/O thread pool, one chunk read ahead while the previous one is written, so the socket's
/// backpressure bounds memory to about two chunks per response.
struct FileRangeBody: @unchecked Sendable {  // the file is read by one task at a time
    let file: POSIXFile
    let offset: Int64
    let length: Int64

    static let inlineLimit = 256 << 10
    static let chunkSize = 1 << 20

    func responseBody() throws -> ResponseBody {
        guard length > Self.inlineLimit else {
            return ResponseBody(byteBuffer: try read(at: offset, count: Int(length)))
        }
        return ResponseBody(contentLength: Int(length)) { writer in
            let end = offset + length
            var position = offset
            var pending: Task<ByteBuffer, any Error>? = readAhead(at: position)
            while let chunk = pending {
                let buffer = try await chunk.value
                position += Int64(buffer.readableBytes)  // chunks are read whole, so this is where the next one starts
                pending = position < end ? readAhead(at: position) : nil
                try await writer.write(buffer)
            }
            try await writer.finish(nil)
        }
    }

    private func readAhead(at position: Int64) -> Task<ByteBuffer, any Error> {
        let count = Int(min(Int64(Self.chunkSize), offset + length - position))
        return Task { try await NIOThreadPool.singleton.runIfActive { try read(at: position, count: count) } }
    }

    /// Reads exactly `count` bytes at `position`; a file shorter than that is an error.
    private func read(at position: Int64, count: Int) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        while buffer.readableBytes < count {
            let done = buffer.readableBytes
            let read = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - done) { space in
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: space.prefix(count - done)), at: position + Int64(done))
            }
            guard read > 0 else { throw FileRangeTruncated(expected: count, read: done) }
        }
        return buffer
    }
}

/// A stored file ended before the range being sent.
struct FileRangeTruncated: Error {
    let expected: Int
    let read: Int
}
