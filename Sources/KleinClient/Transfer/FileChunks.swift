import KleinStore
import KleinSystem
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// A byte range of a file as a sequence of buffers, for streaming request bodies: read on demand, one
/// chunk at a time, so an upload holds at most a chunk of the file in memory whatever its size.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    static let chunkSize = 1 << 20

    let path: String
    let offset: Int64
    let length: Int64

    struct AsyncIterator: AsyncIteratorProtocol {
        let path: String
        var position: Int64
        let end: Int64
        var file: POSIXFile?

        mutating func next() async throws -> ByteBuffer? {
            guard position < end else { return nil }
            if file == nil {
                file = try StoreError.wrap { () throws(SystemError) in try POSIXFile.open(path, flags: O_RDONLY) }
                file?.adviseSequential()
            }
            guard let file else { return nil }
            let wanted = Int(Swift.min(Int64(FileChunks.chunkSize), end - position))
            var buffer = ByteBufferAllocator().buffer(capacity: wanted)
            let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { raw in
                try StoreError.wrap { () throws(SystemError) in
                    try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[..<wanted]), at: position)
                }
            }
            guard count > 0 else { throw StoreError.system(SystemError(operation: "read (file shrank while uploading)", path: path, errno: EIO)) }
            position += Int64(count)
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(path: path, position: offset, end: offset + length, file: nil)
    }
}
