import KleinOCI
import Testing
@testable import KleinArchive

@Suite struct CompressionDeterminismTests {
    /// Write-size patterns, cycled: whole MiB writes, odd small writes, single bytes mixed with large ones.
    static let splits: [[Int]] = [[1 << 20], [7], [1, 4093, 1_048_583, 3, 65_536]]

    @Test(arguments: [LayerCompression.gzip, .zstd])
    func outputDependsOnlyOnInput(kind: LayerCompression) throws {
        let bytes = CompressionFixtures.twentyMegabytes
        var outputs: [String: Digest] = [:]
        for workers in [1, 2, 4] {
            for (index, split) in Self.splits.enumerated() where workers == 2 || index == 0 {
                let sink = MemorySink()
                let compressor = try CompressionFixtures.compressor(kind, sink, workers: workers)
                try CompressionFixtures.write(bytes, to: compressor, chunks: split)
                try compressor.finish()
                outputs["workers \(workers), writes \(split)"] = Digest.of(sink.bytes)
            }
        }
        #expect(outputs.count == 5)
        #expect(Set(outputs.values).count == 1, "\(outputs)")
    }

    @Test(arguments: [LayerCompression.gzip, .zstd], [0, 1, 100, GzipCompressor.blockSize])
    func smallInputsDoNotDependOnWorkers(kind: LayerCompression, size: Int) throws {
        let bytes = CompressionFixtures.mixed(size, seed: 11)
        let one = try CompressionFixtures.compress(kind, bytes, chunk: 1 << 20, workers: 1)
        #expect(try CompressionFixtures.compress(kind, bytes, chunk: 5, workers: 4) == one)
        #expect(try CompressionFixtures.compress(kind, bytes, chunk: 1, workers: 2) == one)
    }

    /// Golden digests of compressed output. A change here changes every layer digest Klein produces:
    /// only update them deliberately (new level, block size or library behaviour), never to make a test pass.
    static let goldenInput = CompressionFixtures.mixed(2_500_000, seed: 42)
    static let golden: [LayerCompression: (small: String, large: String)] = [
        .gzip: (
            "sha256:7d6e1a3e616b550d5917686fcd2eaf3eaf2cf16d4fcad08266ca7f5a2489a4a9",
            "sha256:8740b427bd35c0413f0f7d03458773dc0c26853dad1d5e6371f0ab3ff3b20825"
        ),
        .zstd: (
            "sha256:2b501caef0e82d6d32ded4cb517e4eb40ee0b412377375411b26694cfdd89d54",
            "sha256:3b75f8c81760a3fde2e1f7f0c709140b7730a53c1dd7ad375e1d05512a88a756"
        ),
    ]

    @Test(arguments: [LayerCompression.gzip, .zstd])
    func goldenDigests(kind: LayerCompression) throws {
        let small = try CompressionFixtures.compress(kind, Array("Klein: what you deploy is exactly what you built.\n".utf8))
        let large = try CompressionFixtures.compress(kind, Self.goldenInput, chunk: 10_000)
        #expect(Digest.of(small).description == Self.golden[kind]!.small, "\(kind) small")
        #expect(Digest.of(large).description == Self.golden[kind]!.large, "\(kind) large")
    }
}
