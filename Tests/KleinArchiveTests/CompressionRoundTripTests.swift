import KleinOCI
import Testing
@testable import KleinArchive
#if canImport(Glibc)
import Glibc
#endif

/// Inputs and helpers shared by the compression tests.
enum CompressionFixtures {
    /// A deterministic pseudo-random sequence (SplitMix64), stable across platforms and Swift versions.
    static func random(_ count: Int, seed: UInt64 = 0x6B6C_6569_6E21) -> [UInt8] {
        var state = seed
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { buffer in
            var index = 0
            while index < count {
                state &+= 0x9E37_79B9_7F4A_7C15
                var value = state
                value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
                value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
                value ^= value >> 31
                for shift in stride(from: 0, to: 64, by: 8) where index < count {
                    buffer[index] = UInt8(truncatingIfNeeded: value >> UInt64(shift))
                    index += 1
                }
            }
        }
        return bytes
    }

    /// Alternating stretches of random bytes, repeated text, zeros and low-entropy noise: roughly a file system's mix.
    static func mixed(_ count: Int, seed: UInt64 = 7) -> [UInt8] {
        let noise = random(count, seed: seed)
        let text = Array("usr/share/doc/klein/copyright: Permission is hereby granted, free of charge, to any person obtaining a copy\n".utf8)
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBufferPointer { out in
            noise.withUnsafeBufferPointer { noise in
                var position = 0
                var index = 0
                while position < count {
                    let length = min(count - position, 4096 + Int(noise[index % count]) * 997)
                    switch index % 4 {
                    case 0: for offset in 0..<length { out[position + offset] = noise[position + offset] }
                    case 1: for offset in 0..<length { out[position + offset] = text[(offset + index) % text.count] }
                    case 2: break
                    default:
                        for offset in 0..<length {
                            out[position + offset] = noise[position + offset] & 0x0F | UInt8(truncatingIfNeeded: offset >> 9)
                        }
                    }
                    position += length
                    index += 1
                }
            }
        }
        return bytes
    }

    /// 20 MiB of `mixed`, made once for the whole run.
    static let twentyMegabytes = mixed(20 << 20)

    static func compressor(_ kind: LayerCompression, _ sink: ByteSink, workers: Int) throws -> ByteSink {
        switch kind {
        case .gzip: return try GzipCompressor(downstream: sink, workers: workers)
        case .zstd: return try ZstdCompressor(downstream: sink, workers: workers)
        case .none: return sink
        }
    }

    /// Compresses `bytes` written in `chunk`-sized pieces.
    static func compress(_ kind: LayerCompression, _ bytes: [UInt8], chunk: Int = 1 << 20, workers: Int = 2) throws -> [UInt8] {
        let sink = MemorySink()
        let compressor = try compressor(kind, sink, workers: workers)
        try write(bytes, to: compressor, chunks: [chunk])
        try compressor.finish()
        #expect(sink.finished)
        return sink.bytes
    }

    /// Writes `bytes` in pieces whose sizes cycle through `chunks`.
    static func write(_ bytes: [UInt8], to sink: ByteSink, chunks: [Int]) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            var turn = 0
            while offset < buffer.count {
                let count = min(chunks[turn % chunks.count], buffer.count - offset)
                try sink.write(UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + count)]))
                offset += count
                turn += 1
            }
        }
    }

    static func decompress(_ kind: LayerCompression, _ bytes: [UInt8], readSize: Int = 64 * 1024) throws -> [UInt8] {
        try readAll(Compression.decompressor(kind, upstream: MemorySource(bytes)), readSize: readSize)
    }

    static func readAll(_ source: ByteSource, readSize: Int = 64 * 1024) throws -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: readSize)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { return result }
            result += buffer[..<count]
        }
    }

    /// The `.compression` error `body` throws, or nil (recorded as a failure) if it throws something else or nothing.
    static func compressionError(
        _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
    ) -> (codec: String, reason: String)? {
        do {
            try body()
            Issue.record("expected a compression error, got success", sourceLocation: sourceLocation)
        } catch let ArchiveError.compression(codec, reason) {
            return (codec, reason)
        } catch {
            Issue.record("expected a compression error, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// Returns at most one byte per read, to exercise every partial-read path.
    final class OneByteSource: ByteSource {
        private let source: MemorySource
        init(_ bytes: [UInt8]) { source = MemorySource(bytes) }
        func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
            guard buffer.count > 0 else { return 0 }
            return try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<1]))
        }
    }

    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}

/// Produces `count` zero bytes without holding them (also used by the unpacker tests).
final class ZeroSource: ByteSource {
    private var remaining: Int
    init(count: Int) { remaining = count }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        let count = min(buffer.count, remaining)
        if count > 0 { buffer.baseAddress!.initializeMemory(as: UInt8.self, repeating: 0, count: count) }
        remaining -= count
        return count
    }
}

@Suite struct CompressionRoundTripTests {
    static let codecs: [LayerCompression] = [.gzip, .zstd]
    static let block = GzipCompressor.blockSize
    static let zstdBlock = 128 * 1024

    @Test(arguments: codecs, [0, 1, block - 1, block, block + 1, 2 * block + 3, zstdBlock - 1, zstdBlock, zstdBlock + 1])
    func boundarySizes(kind: LayerCompression, size: Int) throws {
        let bytes = CompressionFixtures.mixed(size, seed: UInt64(size))
        let compressed = try CompressionFixtures.compress(kind, bytes)
        #expect(Compression.detect(compressed.withUnsafeBytes { $0 }) == kind)
        #expect(try CompressionFixtures.decompress(kind, compressed) == bytes)
        if size <= 200_000 { #expect(try CompressionFixtures.decompress(kind, compressed, readSize: 1) == bytes) }
    }

    @Test(arguments: codecs, [7, 1 << 20, 1_048_583])
    func twentyMegabytesInOddChunks(kind: LayerCompression, chunk: Int) throws {
        let bytes = CompressionFixtures.twentyMegabytes
        let compressed = try CompressionFixtures.compress(kind, bytes, chunk: chunk)
        #expect(compressed.count < bytes.count * 3 / 4)
        #expect(try CompressionFixtures.decompress(kind, compressed, readSize: 1 << 20) == bytes)
        #expect(try CompressionFixtures.decompress(kind, compressed, readSize: 4093) == bytes)
    }

    @Test(arguments: codecs)
    func oneByteWritesAndReads(kind: LayerCompression) throws {
        let bytes = CompressionFixtures.mixed(2 * Self.block + 12_345, seed: 3)
        let compressed = try CompressionFixtures.compress(kind, bytes, chunk: 1)
        #expect(compressed == (try CompressionFixtures.compress(kind, bytes)))
        let small = Array(bytes[..<200_000])
        #expect(try CompressionFixtures.decompress(kind, CompressionFixtures.compress(kind, small), readSize: 1) == small)
        #expect(try CompressionFixtures.decompress(kind, compressed) == bytes)
    }

    @Test(arguments: codecs)
    func incompressibleInput(kind: LayerCompression) throws {
        let bytes = CompressionFixtures.random(3 * Self.block + 77)
        let compressed = try CompressionFixtures.compress(kind, bytes, chunk: 65_537, workers: 3)
        #expect(compressed.count < bytes.count + bytes.count / 100)
        #expect(try CompressionFixtures.decompress(kind, compressed) == bytes)
    }

    @Test func gzipHeaderIsFixed() throws {
        let compressed = try CompressionFixtures.compress(.gzip, Array("hello\n".utf8))
        // magic, deflate, no flags, mtime 0, XFL 0 (level 3), OS 255 (unknown)
        #expect(Array(compressed[..<10]) == [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 255])
        for (level, extraFlags) in [(Int32(1), UInt8(4)), (9, 2), (6, 0)] {
            let sink = MemorySink()
            let compressor = try GzipCompressor(downstream: sink, level: level)
            try compressor.finish()
            #expect(sink.bytes[8] == extraFlags && sink.bytes[9] == 255, "level \(level)")
        }
        // empty input: header, an empty final block, CRC 0, size 0
        #expect(try CompressionFixtures.compress(.gzip, []) == [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 255, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func zstdFrameHasChecksumAndNoContentSize() throws {
        let compressed = try CompressionFixtures.compress(.zstd, CompressionFixtures.mixed(300_000))
        #expect(Array(compressed[..<4]) == [0x28, 0xB5, 0x2F, 0xFD])
        let descriptor = compressed[4]
        #expect(descriptor >> 6 == 0, "frame content size flag must be 0")
        #expect(descriptor & 0x04 != 0, "checksum flag must be set")
        #expect(descriptor & 0x20 == 0, "a window descriptor must be present")
        #expect(compressed[5] == UInt8((ZstdCompressor.windowLog - 10) << 3), "window of 2^21 bytes")
    }

    @Test func finishEndsDownstreamOnceAndRefusesLaterWrites() throws {
        for kind in Self.codecs {
            let sink = MemorySink()
            let compressor = try CompressionFixtures.compressor(kind, sink, workers: 2)
            try CompressionFixtures.write(Array(repeating: 42, count: 1000), to: compressor, chunks: [100])
            try compressor.finish()
            #expect(sink.finished)
            let size = sink.bytes.count
            try compressor.finish()
            #expect(sink.bytes.count == size)
            let error = CompressionFixtures.compressionError {
                try [UInt8(1)].withUnsafeBytes { try compressor.write($0) }
            }
            #expect(error?.codec == kind.rawValue && error?.reason == "write after finish")
        }
    }

    @Test func invalidLevelsAreRefused() throws {
        let gzip = CompressionFixtures.compressionError { _ = try GzipCompressor(downstream: MemorySink(), level: 10) }
        #expect(gzip?.codec == "gzip" && gzip?.reason.contains("invalid level 10") == true)
        let zstd = CompressionFixtures.compressionError { _ = try ZstdCompressor(downstream: MemorySink(), level: 1000) }
        #expect(zstd?.codec == "zstd" && zstd?.reason.contains("invalid level 1000") == true)
    }

    @Test func noneIsAPassThrough() throws {
        let sink = MemorySink()
        let compressor = try Compression.compressor(.none, downstream: sink)
        try CompressionFixtures.write(Array("plain".utf8), to: compressor, chunks: [2])
        try compressor.finish()
        #expect(sink.bytes == Array("plain".utf8) && sink.finished)
        #expect(try CompressionFixtures.decompress(.none, Array("plain".utf8)) == Array("plain".utf8))
    }

    @Test func detectTable() {
        let cases: [([UInt8], LayerCompression)] = [
            ([], .none),
            ([0x1F], .none),
            ([0x1F, 0x8B], .gzip),
            ([0x1F, 0x8B, 0x08, 0x00], .gzip),
            ([0x1F, 0x8C], .none),
            ([0x8B, 0x1F], .none),
            ([0x28, 0xB5, 0x2F], .none),
            ([0x28, 0xB5, 0x2F, 0xFD], .zstd),
            ([0x28, 0xB5, 0x2F, 0xFD, 0x04, 0x58], .zstd),
            ([0xFD, 0x2F, 0xB5, 0x28], .none),
            ([0x50, 0x2A, 0x4D, 0x18], .zstd),
            ([0x5F, 0x2A, 0x4D, 0x18], .zstd),
            ([0x60, 0x2A, 0x4D, 0x18], .none),
            (Array("usr/".utf8) + [UInt8](repeating: 0, count: 508), .none),
            ([0x42, 0x5A, 0x68], .none),
            ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], .none),
        ]
        for (prefix, expected) in cases {
            #expect(prefix.withUnsafeBytes { Compression.detect($0) } == expected, "\(prefix)")
        }
    }

    @Test(arguments: [LayerCompression.none, .gzip, .zstd], [0, 1, 3, 100_000])
    func autoDetection(kind: LayerCompression, size: Int) throws {
        let bytes = kind == .none ? Array(repeating: 0x61, count: size) : CompressionFixtures.mixed(size)
        let stored = try CompressionFixtures.compress(kind, bytes)
        let (source, found) = try Compression.autoDecompressor(upstream: CompressionFixtures.OneByteSource(stored))
        #expect(found == kind)
        #expect(try CompressionFixtures.readAll(source, readSize: 1000) == bytes)
    }

    @Test(arguments: codecs)
    func gigabyteOfZerosInBoundedMemory(kind: LayerCompression) throws {
        let total = 1 << 30
        let compressed = MemorySink()
        let compressor = try CompressionFixtures.compressor(kind, compressed, workers: 2)
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        for _ in 0..<(total >> 20) { try zeros.withUnsafeBytes { try compressor.write($0) } }
        try compressor.finish()
        #expect(compressed.bytes.count < total / 100)

        let before = CompressionFixtures.peakResidentBytes()
        let source = try Compression.decompressor(kind, upstream: MemorySource(compressed.bytes))
        var buffer = [UInt8](repeating: 1, count: 1 << 20)
        var count = 0
        var allZero = true
        while true {
            let read = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if read == 0 { break }
            count += read
            if memcmp(buffer, zeros, read) != 0 { allZero = false }
        }
        #expect(count == total && allZero)
        let growth = CompressionFixtures.peakResidentBytes() - before
        // Holding the output would add 1 GiB; the margin leaves room for tests running alongside.
        #expect(growth < 512 << 20, "decompressing 1 GiB grew the peak resident size by \(growth >> 20) MiB")
    }
}
