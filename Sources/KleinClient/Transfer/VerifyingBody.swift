import KleinOCI
import NIOCore

/// A blob streamed from a source into an upload, hashed on the way: it ends with an error instead of
/// its end when the bytes do not match the descriptor, so the upload it feeds is never completed.
struct VerifyingBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let stream: BlobStream
    let descriptor: Descriptor
    let what: String
    let progress: ProgressHandler?

    struct AsyncIterator: AsyncIteratorProtocol {
        var inner: BlobStream.AsyncIterator
        var hasher: VerifyingHasher
        let what: String
        let progress: ProgressHandler?
        var finished = false

        mutating func next() async throws -> ByteBuffer? {
            guard !finished else { return nil }
            guard let buffer = try await inner.next() else {
                finished = true
                do { _ = try hasher.verify() } catch { throw ClientError.verificationFailed(what: what, error: error) }
                return nil
            }
            do {
                try buffer.withUnsafeReadableBytes { bytes throws(OCIError) in try hasher.update(bytes) }
            } catch {
                throw ClientError.verificationFailed(what: what, error: error)
            }
            progress?(Int64(buffer.readableBytes))
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(inner: stream.makeAsyncIterator(), hasher: VerifyingHasher(expectedDigest: descriptor.digest, expectedSize: descriptor.size),
                      what: what, progress: progress)
    }
}
