import KleinOCI
import Testing
@testable import KleinArchive

@Suite struct ByteStreamTests {
    @Test func hashingStagesSeeEveryByte() throws {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 13) }
        let memory = MemorySink()
        let sink = HashingSink(memory)
        try bytes.withUnsafeBytes { buffer in
            try sink.write(UnsafeRawBufferPointer(rebasing: buffer[..<3000]))
            try sink.write(UnsafeRawBufferPointer(rebasing: buffer[3000...]))
        }
        try sink.finish()
        #expect(memory.finished)
        #expect(memory.bytes == bytes)
        #expect(sink.digest == Digest.of(bytes))

        let source = HashingSource(MemorySource(bytes))
        var read: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { break }
            read += buffer[..<count]
        }
        #expect(read == bytes)
        #expect(source.digest == Digest.of(bytes) && source.count == 10_000)
    }
}
