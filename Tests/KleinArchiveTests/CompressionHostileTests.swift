import KleinOCI
import Testing
@testable import KleinArchive

/// Damaged and hostile compressed streams: each fails with a specific `.compression` error.
@Suite struct CompressionHostileTests {
    static let input = CompressionFixtures.mixed(600_000, seed: 5)
    static let gzip = try! CompressionFixtures.compress(.gzip, input)
    static let zstd = try! CompressionFixtures.compress(.zstd, input)

    static func failure(_ kind: LayerCompression, _ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> (codec: String, reason: String)? {
        CompressionFixtures.compressionError({ _ = try CompressionFixtures.decompress(kind, bytes) }, sourceLocation: sourceLocation)
    }

    @Test(arguments: [LayerCompression.gzip, .zstd])
    func truncatedStreams(kind: LayerCompression) {
        let whole = kind == .gzip ? Self.gzip : Self.zstd
        for length in [0, 1, 3, 5, 9, 10, 11, 100, whole.count / 2, whole.count - 8, whole.count - 4, whole.count - 1] {
            let error = Self.failure(kind, Array(whole[..<length]))
            #expect(error?.codec == kind.rawValue, "\(kind) cut at \(length)")
            #expect(error?.reason.hasPrefix("truncated") == true, "\(kind) cut at \(length): \(error?.reason ?? "no error")")
        }
    }

    @Test func gzipFlippedDataByte() {
        var damaged = Self.gzip
        damaged[damaged.count / 2] ^= 0x55
        let error = Self.failure(.gzip, damaged)
        #expect(error?.codec == "gzip")
        #expect(error?.reason == "invalid distance too far back" || error?.reason == "invalid block type"
            || error?.reason == "invalid code lengths set" || error?.reason == "incorrect data check", "\(error?.reason ?? "no error")")
        var header = Self.gzip
        header[2] = 7   // compression method other than deflate
        #expect(Self.failure(.gzip, header)?.reason == "unknown compression method")
        let zlibWrapped: [UInt8] = [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]
        #expect(Self.failure(.gzip, zlibWrapped)?.reason == "incorrect header check")
    }

    @Test func gzipWrongTrailer() {
        var crc = Self.gzip
        crc[crc.count - 8] ^= 0x01
        #expect(Self.failure(.gzip, crc)?.reason == "incorrect data check")
        var size = Self.gzip
        size[size.count - 1] ^= 0x01
        #expect(Self.failure(.gzip, size)?.reason == "incorrect length check")
    }

    @Test func gzipTrailingGarbage() {
        let expected = "trailing garbage after gzip member at compressed byte \(Self.gzip.count)"
        #expect(Self.failure(.gzip, Self.gzip + Array("garbage".utf8))?.reason == expected)
        #expect(Self.failure(.gzip, Self.gzip + [0, 0, 0, 0])?.reason == expected)
        #expect(Self.failure(.gzip, Self.gzip + [0x1F, 0x00])?.reason == expected)
        // A lone first magic byte at the end looks like a member cut short.
        #expect(Self.failure(.gzip, Self.gzip + [0x1F])?.reason.hasPrefix("truncated") == true)
        // A second member cut in its header.
        #expect(Self.failure(.gzip, Self.gzip + [0x1F, 0x8B, 8])?.reason.hasPrefix("truncated") == true)
    }

    @Test func zstdCorruption() {
        var checksum = Self.zstd
        checksum[checksum.count - 1] ^= 0x01
        #expect(Self.failure(.zstd, checksum)?.reason == "Restored data doesn't match checksum")
        var data = Self.zstd
        data[data.count / 2] ^= 0x55
        let error = Self.failure(.zstd, data)
        #expect(error?.codec == "zstd")
        #expect(error?.reason == "Data corruption detected" || error?.reason == "Restored data doesn't match checksum"
            || error?.reason == "Corrupted block detected", "\(error?.reason ?? "no error")")
        var magic = Self.zstd
        magic[0] = 0x29
        #expect(Self.failure(.zstd, magic)?.reason == "Unknown frame descriptor")
    }

    @Test func zstdTrailingGarbage() {
        let expected = "trailing garbage after zstd frame at compressed byte \(Self.zstd.count)"
        #expect(Self.failure(.zstd, Self.zstd + Array("garbage".utf8))?.reason == expected)
        #expect(Self.failure(.zstd, Self.zstd + [0])?.reason == expected)
        #expect(Self.failure(.zstd, Self.zstd + [0x28, 0xB5, 0x2F])?.reason == expected)
        #expect(Self.failure(.zstd, Self.zstd + [0x28, 0xB5, 0x2F, 0xFD])?.reason.hasPrefix("truncated") == true)
    }

    @Test(arguments: [LayerCompression.gzip, .zstd])
    func errorsAreSticky(kind: LayerCompression) throws {
        var damaged = kind == .gzip ? Self.gzip : Self.zstd
        damaged[damaged.count - 5] ^= 0xFF
        let source = try Compression.decompressor(kind, upstream: MemorySource(damaged))
        let first = CompressionFixtures.compressionError { _ = try CompressionFixtures.readAll(source) }
        let second = CompressionFixtures.compressionError { _ = try CompressionFixtures.readAll(source) }
        #expect(first != nil && first?.reason == second?.reason)
    }

    @Test func wrongCodecIsReported() {
        #expect(Self.failure(.gzip, Self.zstd)?.reason == "incorrect header check")
        #expect(Self.failure(.zstd, Self.gzip)?.reason == "Unknown frame descriptor")
        #expect(Self.failure(.zstd, Array("plain text, not compressed".utf8))?.reason == "Unknown frame descriptor")
    }

    @Test(arguments: [LayerCompression.gzip, .zstd])
    func downstreamFailureStopsTheCompressor(kind: LayerCompression) throws {
        let sink = Self.FailingSink(budget: 1_000_000)
        let compressor = try CompressionFixtures.compressor(kind, sink, workers: 2)
        var failed: ArchiveError?
        do {
            try CompressionFixtures.write(CompressionFixtures.random(8 << 20), to: compressor, chunks: [1 << 20])
            try compressor.finish()
        } catch let error as ArchiveError {
            failed = error
        }
        guard case .io(_, "write", _)? = failed else {
            Issue.record("expected the sink's write error, got \(String(describing: failed))")
            return
        }
        // The stream is dead: later calls report the same failure instead of writing a corrupt stream.
        #expect(throws: ArchiveError.self) { try [UInt8(0)].withUnsafeBytes { try compressor.write($0) } }
        #expect(throws: ArchiveError.self) { try compressor.finish() }
        #expect(!sink.finished)
    }

    @Test(arguments: [LayerCompression.gzip, .zstd])
    func abandonedCompressorsReleaseTheirWorkers(kind: LayerCompression) throws {
        for _ in 0..<4 {
            let sink = MemorySink()
            let compressor = try CompressionFixtures.compressor(kind, sink, workers: 4)
            try CompressionFixtures.write(CompressionFixtures.twentyMegabytes, to: compressor, chunks: [3 << 20])
            #expect(!sink.finished)
        }
    }

    /// Accepts `budget` bytes, then fails every write as a full disk would.
    final class FailingSink: ByteSink {
        private var budget: Int
        private(set) var finished = false
        init(budget: Int) { self.budget = budget }
        func write(_ buffer: UnsafeRawBufferPointer) throws(ArchiveError) {
            guard buffer.count <= budget else { throw .io(path: "failing-sink", operation: "write", errno: 28) }
            budget -= buffer.count
        }
        func finish() throws(ArchiveError) { finished = true }
    }
}
