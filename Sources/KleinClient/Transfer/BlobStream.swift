import NIOCore

/// A blob's bytes as a source sends them, one buffer at a time, whatever the source keeps them in (an
/// HTTP response body, a file, bytes in memory, another list of sources).
public struct BlobStream: AsyncSequence, Sendable {
    /// One buffer of the blob.
    public typealias Element = ByteBuffer

    private let makeIterator: @Sendable () -> AsyncIterator

    /// The buffers of `base`, without its first `skipping` bytes (for a server that answered a `Range`
    /// request with the whole blob).
    public init<Base: AsyncSequence & Sendable>(_ base: Base, skipping: Int64 = 0) where Base.Element == ByteBuffer {
        makeIterator = {
            var iterator = base.makeAsyncIterator()
            var skip = skipping
            return AsyncIterator {
                while var buffer = try await iterator.next() {
                    guard skip > 0 else { return buffer }
                    let dropped = Int(Swift.min(skip, Int64(buffer.readableBytes)))
                    buffer.moveReaderIndex(forwardBy: dropped)
                    skip -= Int64(dropped)
                    if buffer.readableBytes > 0 { return buffer }
                }
                return nil
            }
        }
    }

    /// Pulls buffers one at a time.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let pull: () async throws -> ByteBuffer?

        /// The next buffer, or nil at the end of the blob.
        public mutating func next() async throws -> ByteBuffer? { try await pull() }
    }

    /// Starts reading.
    public func makeAsyncIterator() -> AsyncIterator { makeIterator() }
}

/// Bytes held in memory, as one buffer from an offset.
struct InMemoryBytes: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let bytes: ArraySlice<UInt8>

    struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: ArraySlice<UInt8>?

        mutating func next() async throws -> ByteBuffer? {
            defer { remaining = nil }
            return remaining.flatMap { $0.isEmpty ? nil : ByteBuffer(bytes: $0) }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: bytes) }
}
