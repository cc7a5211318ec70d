import Hummingbird
import KleinServer

/// A request body read in order by a handler: streamed chunk by chunk with Hummingbird's
/// backpressure, and never held whole in memory unless the handler asks for a bounded `collect`.
final class BodyReader {
    private var iterator: RequestBody.AsyncIterator
    /// The client hung up or broke the message before the body ended: the request must not be answered.
    private(set) var cutOff: (any Error)?

    init(_ body: RequestBody) {
        iterator = body.makeAsyncIterator()
    }

    /// The next chunk, or `nil` at the end of the body.
    func next() async throws -> ByteBuffer? {
        do {
            return try await iterator.next()
        } catch {
            if isConnectionCutOff(error) { cutOff = error }
            throw error
        }
    }

    /// Reads the whole body into memory, refusing more than `limit` bytes. `expected` (a
    /// `Content-Length`) sizes the result up front, so the body is held once, not regrown and copied.
    func collect(upTo limit: Int, expected: Int? = nil) async throws -> [UInt8] {
        var collected: [UInt8] = []
        collected.reserveCapacity(min(max(expected ?? 0, 0), limit))
        while let buffer = try await next() {
            guard collected.count + buffer.readableBytes <= limit else { throw RequestBodyTooLarge(limit: limit) }
            collected.append(contentsOf: buffer.readableBytesView)
        }
        return collected
    }
}
