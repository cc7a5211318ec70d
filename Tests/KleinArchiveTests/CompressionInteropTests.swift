import Foundation
import KleinOCI
import Testing
@testable import KleinArchive

/// Klein's gzip and zstd against the real `gzip` and `zstd` programs. A missing program is a failure, not a skip.
@Suite struct CompressionInteropTests {
    struct ToolMissing: Error, CustomStringConvertible {
        let program: String
        var description: String { "\(program) is not installed (apt-get install -y \(program)); the compression interop tests need it" }
    }

    /// A scratch directory removed at the end of each test.
    final class Scratch {
        let path: String
        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("klein-compression-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func file(_ name: String) -> String { "\(path)/\(name)" }
        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
            return file(name)
        }
        func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: file(name)))) }
    }

    static func tool(_ program: String) throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ToolMissing(program: program)
    }

    /// Runs `program arguments`, standard input from `input`, standard output to `output`; fails the test on a non-zero exit.
    static func run(
        _ program: String, _ arguments: [String], input: String? = nil, output: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try tool(program))
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        defer { try? out.close() }
        let errors = Pipe()
        process.standardOutput = out
        if let input { process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input)) }
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(program) \(arguments.joined(separator: " ")): \(String(decoding: message, as: UTF8.self))", sourceLocation: sourceLocation)
    }

    static let input = CompressionFixtures.mixed(3 * GzipCompressor.blockSize + 4321, seed: 99)

    @Test(arguments: [LayerCompression.gzip, .zstd], [0, 1, 3 * GzipCompressor.blockSize + 4321])
    func peersReadKleinOutput(kind: LayerCompression, size: Int) throws {
        let scratch = try Scratch()
        let bytes = Array(Self.input[..<size])
        let compressed = try scratch.write("layer", CompressionFixtures.compress(kind, bytes, chunk: 12_345))
        let program = kind == .gzip ? "gzip" : "zstd"
        try Self.run(program, ["-t", compressed], output: scratch.file("test.log"))
        try Self.run(program, ["-dc", compressed], output: scratch.file("out"))
        #expect(try scratch.read("out") == bytes)
    }

    @Test(arguments: [["-n"], ["-9"], ["-1"], []])
    func kleinReadsGzip(options: [String]) throws {
        let scratch = try Scratch()
        let plain = try scratch.write("layer.tar", Self.input)
        try Self.run("gzip", options + ["-c", plain], output: scratch.file("layer.tar.gz"))
        let compressed = try scratch.read("layer.tar.gz")
        #expect(Compression.detect(compressed.withUnsafeBytes { $0 }) == .gzip)
        #expect(try CompressionFixtures.decompress(.gzip, compressed) == Self.input)
        let (source, kind) = try Compression.autoDecompressor(upstream: FileSource(path: scratch.file("layer.tar.gz")))
        #expect(kind == .gzip)
        #expect(try CompressionFixtures.readAll(source) == Self.input)
    }

    @Test func kleinReadsConcatenatedGzipMembers() throws {
        let scratch = try Scratch()
        let first = Array(Self.input[..<1_000_000])
        let second = Array(Self.input[1_000_000...])
        try Self.run("gzip", ["-n", "-c", scratch.write("a", first)], output: scratch.file("a.gz"))
        try Self.run("gzip", ["-9", "-c", scratch.write("b", second)], output: scratch.file("b.gz"))
        try Self.run("gzip", ["-c", scratch.write("empty", [])], output: scratch.file("empty.gz"))
        let members = try scratch.read("a.gz") + scratch.read("empty.gz") + scratch.read("b.gz")
        #expect(try CompressionFixtures.decompress(.gzip, members) == first + second)
        #expect(try CompressionFixtures.readAll(GzipDecompressor(upstream: CompressionFixtures.OneByteSource(members)), readSize: 333) == first + second)
        // Klein's own members concatenated, read back by gzip too.
        let klein = try CompressionFixtures.compress(.gzip, first) + CompressionFixtures.compress(.gzip, second)
        #expect(try CompressionFixtures.decompress(.gzip, klein) == first + second)
        try Self.run("gzip", ["-dc", scratch.write("klein.gz", klein)], output: scratch.file("klein.out"))
        #expect(try scratch.read("klein.out") == first + second)
    }

    @Test(arguments: [["-3"], ["-19"], ["-1", "-T2"], ["--long=27"], ["--no-check"], ["--ultra", "-22"]])
    func kleinReadsZstd(options: [String]) throws {
        let scratch = try Scratch()
        let plain = try scratch.write("layer.tar", Self.input)
        try Self.run("zstd", options + ["-q", "-c", plain], output: scratch.file("layer.tar.zst"))
        let compressed = try scratch.read("layer.tar.zst")
        #expect(Compression.detect(compressed.withUnsafeBytes { $0 }) == .zstd)
        #expect(try CompressionFixtures.decompress(.zstd, compressed) == Self.input)
    }

    @Test func kleinReadsConcatenatedZstdFrames() throws {
        let scratch = try Scratch()
        let first = Array(Self.input[..<700_000])
        let second = Array(Self.input[700_000...])
        try Self.run("zstd", ["-q", "-c", scratch.write("a", first)], output: scratch.file("a.zst"))
        try Self.run("zstd", ["-q", "-c", scratch.write("b", second)], output: scratch.file("b.zst"))
        let frames = try scratch.read("a.zst") + CompressionFixtures.compress(.zstd, []) + scratch.read("b.zst")
        #expect(try CompressionFixtures.decompress(.zstd, frames) == first + second)
        // A skippable frame (magic 0x184D2A50, 3 bytes of payload) between the frames is ignored.
        let skippable: [UInt8] = [0x50, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 1, 2, 3]
        let withSkippable = try scratch.read("a.zst") + skippable + scratch.read("b.zst")
        #expect(try CompressionFixtures.decompress(.zstd, withSkippable) == first + second)
        try Self.run("zstd", ["-dc", scratch.write("klein.zst", withSkippable)], output: scratch.file("klein.out"))
        #expect(try scratch.read("klein.out") == first + second)
    }

    @Test func zstdWindowsBeyondTheDecoderLimitAreRefused() throws {
        // zstd --long=28 on a stream of unknown size writes a 256 MiB window descriptor; Klein, like zstd
        // by default, stops at 128 MiB.
        let scratch = try Scratch()
        let plain = try scratch.write("layer.tar", Array(Self.input[..<100_000]))
        try Self.run("zstd", ["--long=28", "-q", "-c"], input: plain, output: scratch.file("long.zst"))
        let error = CompressionFixtures.compressionError { _ = try CompressionFixtures.decompress(.zstd, scratch.read("long.zst")) }
        #expect(error?.codec == "zstd" && error?.reason == "Frame requires too much memory for decoding")
    }
}
