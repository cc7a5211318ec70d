import KleinOCI
import Testing
@testable import KleinArchive

@Suite struct PrefetchingSourceTests {
    /// Fails after `failAfter` bytes.
    final class FailingSource: ByteSource {
        private let upstream: MemorySource
        private var remaining: Int

        init(_ bytes: [UInt8], failAfter: Int) {
            upstream = MemorySource(bytes)
            remaining = failAfter
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
            guard remaining > 0 else { throw .compression(codec: "test", reason: "injected failure") }
            let count = try upstream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<min(buffer.count, remaining)]))
            remaining -= count
            return count
        }
    }

    private func readAll(_ source: ByteSource, chunk: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { return result }
            result += buffer[..<count]
        }
    }

    @Test(arguments: [1, 1000, 4096, 1 << 20])
    func deliversEveryByteInOrder(_ chunk: Int) throws {
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) }
        let hashing = HashingSource(MemorySource(bytes))
        let source = PrefetchingSource(hashing, chunkSize: 4096, slots: 3)
        #expect(try readAll(source, chunk: chunk) == bytes)
        #expect(hashing.digest == Digest.of(bytes))
        #expect(try readAll(source, chunk: chunk).isEmpty)
    }

    @Test func passesUpstreamErrorsOn() {
        let source = PrefetchingSource(FailingSource(Array(repeating: 1, count: 50_000), failAfter: 20_000), chunkSize: 1024)
        #expect { try readAll(source, chunk: 777) } throws: { "\($0)".contains("injected failure") }
    }

    @Test func canBeAbandonedEarly() throws {
        for _ in 0..<50 {
            let source = PrefetchingSource(MemorySource(Array(repeating: 7, count: 1 << 20)), chunkSize: 1024, slots: 2)
            var buffer = [UInt8](repeating: 0, count: 10)
            _ = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
        }
    }
}
