import Hummingbird
import Synchronization

extension ResponseBody {
    /// Bodies up to this size are written in one piece right after the handler returns, so they are
    /// reported then and keep Hummingbird's single-write fast path; larger ones are followed to their end.
    static let observedInOnePiece = 64 << 10

    /// Calls `done` with the bytes written and the error, if any, once this body has been written
    /// (`isHead`: nothing will be, whatever its length).
    func observed(isHead: Bool, _ done: @escaping @Sendable (_ sent: Int64, _ error: (any Error)?) -> Void) -> ResponseBody {
        if isHead {
            done(0, nil)
            return self
        }
        if let length = contentLength, length <= Self.observedInOnePiece {
            done(Int64(length), nil)
            return self
        }
        let body = self
        return ResponseBody(contentLength: contentLength) { writer in
            let counter = ByteCounter()
            do {
                try await body.write(CountingWriter(base: writer, counter: counter))
                done(counter.value, nil)
            } catch {
                done(counter.value, error)
                throw error
            }
        }
    }
}

/// A count of bytes written, readable after the writer that added to it is gone.
private final class ByteCounter: Sendable {
    private let count = Atomic<Int64>(0)
    func add(_ bytes: Int) { count.add(Int64(bytes), ordering: .relaxed) }
    var value: Int64 { count.load(ordering: .relaxed) }
}

/// Forwards body writes and counts their bytes.
private struct CountingWriter: ResponseBodyWriter {
    var base: any ResponseBodyWriter
    let counter: ByteCounter

    mutating func write(_ buffer: ByteBuffer) async throws {
        counter.add(buffer.readableBytes)
        try await base.write(buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await base.finish(trailingHeaders)
    }
}
