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

    @Test func backgroundHashingAgreesWithInlineHashing() throws {
        let bytes = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 11) }
        let memory = MemorySink()
        let sink = HashingSink(memory, inBackground: true)
        try bytes.withUnsafeBytes { buffer in
            for start in stride(from: 0, to: buffer.count, by: 99_999) {
                try sink.write(UnsafeRawBufferPointer(rebasing: buffer[start..<min(start + 99_999, buffer.count)]))
            }
        }
        try sink.finish()
        #expect(memory.bytes == bytes)
        #expect(sink.digest == Digest.of(bytes) && sink.count == 1_000_000)
    }

    @Test(arguments: LayerCompression.allCases)
    func layerStreamDigestsTheBlobAndTheTar(compression: LayerCompression) throws {
        let tar = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let blob = MemorySink()
        let stream = try LayerStream(compression: compression, to: blob)
        try tar.withUnsafeBytes { try stream.input.write($0) }
        try stream.input.finish()
        let result = stream.result
        #expect(blob.finished)
        #expect(result.digest == Digest.of(blob.bytes) && result.size == Int64(blob.bytes.count))
        #expect(result.diffID == Digest.of(tar))
        #expect(result.mediaType == compression.layerMediaType)
        if compression == .none { #expect(blob.bytes == tar) }
    }
}
