import Hummingbird

/// A request body that counts the bytes read through it into a `RequestRecord` and, given a limit,
/// throws `RequestBodyTooLarge` once more than that has arrived. Backpressure is the wrapped body's.
struct MeteredRequestBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let base: RequestBody
    let record: RequestRecord?
    let limit: Int?

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let record: RequestRecord?
        let limit: Int?
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else { return nil }
            seen += buffer.readableBytes
            record?.addReceived(buffer.readableBytes)
            if let limit, seen > limit { throw RequestBodyTooLarge(limit: limit) }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), record: record, limit: limit)
    }
}

/// A request body was larger than the limit set for its request.
package struct RequestBodyTooLarge: Error, Sendable {
    /// The most bytes the request could have sent.
    package let limit: Int

    /// The body went past `limit` bytes.
    package init(limit: Int) {
        self.limit = limit
    }
}

extension Request {
    /// Routes the body through a counter into `record`, once per request.
    mutating func meterBody(into record: RequestRecord) {
        guard record.beginMetering() else { return }
        body = RequestBody(asyncSequence: MeteredRequestBody(base: body, record: record, limit: nil))
    }

    /// Refuses body bytes past `limit`.
    mutating func limitBody(to limit: Int) {
        body = RequestBody(asyncSequence: MeteredRequestBody(base: body, record: nil, limit: limit))
    }
}
