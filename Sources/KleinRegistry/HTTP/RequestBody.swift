import NIOCore
import NIOHTTP1

/// The parts of the HTTP requests on one connection, read in order with backpressure.
/// The connection loop reads heads; a handler reads the body of its request through `RequestBody`.
final class InboundParts {
    private var iterator: NIOAsyncChannelInboundStream<HTTPServerRequestPart>.AsyncIterator
    /// Called with `true` before waiting for the client and `false` once a part arrived (for timeouts).
    private let waiting: (Bool) -> Void
    /// Sends `100 Continue` when the body of a request that expects it is first read.
    var continueHandler: (() -> Void)?

    init(_ stream: NIOAsyncChannelInboundStream<HTTPServerRequestPart>, waiting: @escaping (Bool) -> Void) {
        iterator = stream.makeAsyncIterator()
        self.waiting = waiting
    }

    func next() async throws -> HTTPServerRequestPart? {
        waiting(true)
        defer { waiting(false) }
        return try await iterator.next()
    }
}

/// The body of one request, streamed: never held whole in memory unless a handler asks for a bounded `collect`.
final class RequestBody {
    private let parts: InboundParts
    private(set) var isFinished = false
    /// The connection ended or failed before the body did: the request is incomplete and must not be answered.
    private(set) var isCutOff = false
    /// Body bytes read so far.
    private(set) var bytesRead: Int64 = 0

    init(parts: InboundParts) {
        self.parts = parts
    }

    /// The next chunk, or `nil` at the end of the body.
    func next() async throws -> ByteBuffer? {
        if let sendContinue = parts.continueHandler {
            parts.continueHandler = nil
            sendContinue()
        }
        while !isFinished {
            let part: HTTPServerRequestPart?
            do {
                part = try await parts.next()
            } catch {
                isFinished = true
                isCutOff = true
                throw error
            }
            switch part {
            case let .body(buffer)?:
                bytesRead += Int64(buffer.readableBytes)
                return buffer
            case .end?:
                isFinished = true
            case .head?:
                throw RequestBodyError.unexpectedHead
            case nil:
                isFinished = true
                isCutOff = true
                throw RequestBodyError.connectionClosed
            }
        }
        return nil
    }

    /// Reads the whole body into memory, refusing more than `limit` bytes. `expected` (a
    /// `Content-Length`) sizes the result up front, so the body is held once, not regrown and copied.
    func collect(upTo limit: Int, expected: Int? = nil) async throws -> [UInt8] {
        var collected: [UInt8] = []
        collected.reserveCapacity(min(max(expected ?? 0, 0), limit))
        while let buffer = try await next() {
            guard collected.count + buffer.readableBytes <= limit else { throw RequestBodyError.tooLarge(limit: limit) }
            collected.append(contentsOf: buffer.readableBytesView)
        }
        return collected
    }

    /// Reads and discards what is left of the body, up to `limit` bytes; returns whether the body ended.
    func drain(upTo limit: Int64) async -> Bool {
        let start = bytesRead
        do {
            while try await next() != nil {
                if bytesRead - start > limit { return false }
            }
            return true
        } catch {
            return false
        }
    }
}

enum RequestBodyError: Error {
    case unexpectedHead
    case connectionClosed
    case tooLarge(limit: Int)
}
