import Foundation
import Testing
@testable import KleinArchive

// Shared helpers for the Tar*Tests suites.

/// One entry and its contents, for building archives in tests.
struct TarTestMember: Sendable, CustomTestStringConvertible {
    var entry: TarEntry
    var contents: [UInt8]

    init(_ entry: TarEntry, _ contents: [UInt8] = []) {
        var entry = entry
        if entry.kind == .regular { entry.size = Int64(contents.count) }
        self.entry = entry
        self.contents = contents
    }

    var testDescription: String { "\(entry.kind) \(entry.path.description.prefix(40))" }
}

enum TarTest {
    /// Writes `members` with `TarWriter` into memory.
    static func archive(_ members: [TarTestMember]) throws(ArchiveError) -> [UInt8] {
        let sink = MemorySink()
        let writer = TarWriter(sink: sink)
        for member in members {
            try writer.append(member.entry, contents: member.entry.kind == .regular ? MemorySource(member.contents) : nil)
        }
        try writer.finish()
        #expect(sink.finished)
        return sink.bytes
    }

    /// Reads every entry and its contents; `chunk` bounds the size of each source read.
    static func read(
        _ bytes: [UInt8],
        chunk: Int = .max,
        limits: TarReader.Limits = .init()
    ) throws(ArchiveError) -> [TarTestMember] {
        let reader = TarReader(source: TarChunkedSource(bytes, chunk: chunk), limits: limits)
        var members: [TarTestMember] = []
        var buffer = [UInt8](repeating: 0, count: 1000)
        while let entry = try reader.next() {
            var contents: [UInt8] = []
            while true {
                let count = try buffer.withUnsafeMutableBytes { raw in
                    Result { () throws(ArchiveError) in try reader.readContents(into: raw) }
                }.get()
                if count == 0 { break }
                contents += buffer[..<count]
            }
            var member = TarTestMember(entry, contents)
            member.entry.size = entry.size
            members.append(member)
        }
        #expect(try reader.next() == nil)
        return members
    }

    /// The error `body` throws, or nil.
    static func error(_ body: () throws(ArchiveError) -> Void) -> ArchiveError? {
        do {
            try body()
            return nil
        } catch {
            return error
        }
    }

    /// Reads all of `bytes` and returns the error, or nil when it reads cleanly.
    static func readError(_ bytes: [UInt8], limits: TarReader.Limits = .init()) -> ArchiveError? {
        error { () throws(ArchiveError) in _ = try read(bytes, limits: limits) }
    }

    /// Recomputes the checksum of the header block at `offset`.
    static func fixChecksum(_ bytes: inout [UInt8], at offset: Int) {
        bytes.withUnsafeMutableBytes { raw in
            let block = UnsafeMutableRawBufferPointer(rebasing: raw[offset..<(offset + 512)])
            TarField.putChecksum(block)
        }
    }

    /// A raw header block built field by field (USTAR magic), with a valid checksum.
    static func header(
        name: String,
        typeflag: UInt8 = UInt8(ascii: "0"),
        size: Int64 = 0,
        mode: Int64 = 0o644,
        linkName: String = "",
        magic: [UInt8] = TarLayout.ustarMagic,
        version: [UInt8] = TarLayout.ustarVersion
    ) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        block.withUnsafeMutableBytes { raw in
            TarField.putBytes(Array(name.utf8), raw, TarLayout.name)
            TarField.putOctal(mode, raw, TarLayout.mode)
            TarField.putOctal(0, raw, TarLayout.uid)
            TarField.putOctal(0, raw, TarLayout.gid)
            TarField.putOctal(size, raw, TarLayout.size)
            TarField.putOctal(0, raw, TarLayout.modificationTime)
            raw[TarLayout.typeflag] = typeflag
            TarField.putBytes(Array(linkName.utf8), raw, TarLayout.linkName)
            TarField.putBytes(magic, raw, TarLayout.magic)
            TarField.putBytes(version, raw, TarLayout.version)
            TarField.putChecksum(raw)
        }
        return block
    }

    /// `data` padded with zeros to a whole number of blocks.
    static func padded(_ data: [UInt8]) -> [UInt8] {
        data + [UInt8](repeating: 0, count: Int(TarLayout.padding(Int64(data.count))))
    }

    static let endOfArchive = [UInt8](repeating: 0, count: 1024)

    /// Deterministic pseudo-random bytes (SplitMix64).
    static func bytes(count: Int, seed: UInt64) -> [UInt8] {
        var generator = TarSplitMix(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    }

    // MARK: GNU tar

    static let tarPath = "/bin/tar"

    struct ProcessResult {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs GNU tar with `arguments` (UTC, C locale) and returns its status and output.
    static func runTar(_ arguments: [String], in directory: URL? = nil) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tarPath)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = ["TZ": "UTC", "LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Drain stdout before waiting so a long listing cannot fill the pipe and block tar
        // (its stderr stays small).
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorBytes = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus,
            output: String(decoding: outputData, as: UTF8.self),
            errors: String(decoding: errorBytes, as: UTF8.self)
        )
    }

    /// A fresh temporary directory, removed by `body`'s end.
    static func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("klein-tar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url)
    }
}

struct TarSplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Serves bytes from memory at most `chunk` bytes per read, to exercise short reads.
final class TarChunkedSource: ByteSource {
    private let bytes: [UInt8]
    private let chunk: Int
    private var position = 0

    init(_ bytes: [UInt8], chunk: Int) {
        self.bytes = bytes
        self.chunk = max(chunk, 1)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        let count = min(buffer.count, bytes.count - position, chunk)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + position, byteCount: count)
        }
        position += count
        return count
    }
}

/// Yields `count` zero bytes without holding them.
final class TarZeroSource: ByteSource {
    private var remaining: Int64
    /// The buffer last zeroed: readers reuse theirs and only this source writes into it, so it
    /// needs zeroing once (keeps the 9 GiB tests fast in debug builds).
    private var zeroed: (UnsafeMutableRawPointer?, Int) = (nil, 0)

    init(count: Int64) { remaining = count }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        let count = Int(min(Int64(buffer.count), remaining))
        guard count > 0 else { return 0 }
        if zeroed.0 != buffer.baseAddress || zeroed.1 < count {
            UnsafeMutableRawBufferPointer(rebasing: buffer[..<count]).initializeMemory(as: UInt8.self, repeating: 0)
            zeroed = (buffer.baseAddress, count)
        }
        remaining -= Int64(count)
        return count
    }
}

/// Serves `prefix`, then `zeros` zero bytes, then `suffix`, without holding the zeros.
final class TarGeneratedSource: ByteSource {
    private let prefix: TarChunkedSource
    private let zeros: TarZeroSource
    private let suffix: TarChunkedSource

    init(prefix: [UInt8], zeros: Int64, suffix: [UInt8]) {
        self.prefix = TarChunkedSource(prefix, chunk: .max)
        self.zeros = TarZeroSource(count: zeros)
        self.suffix = TarChunkedSource(suffix, chunk: .max)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        let first = try prefix.read(into: buffer)
        if first > 0 { return first }
        let second = try zeros.read(into: buffer)
        if second > 0 { return second }
        return try suffix.read(into: buffer)
    }
}

/// Counts what is written and keeps only the first `keep` bytes.
final class TarCountingSink: ByteSink {
    private let keep: Int
    private(set) var head: [UInt8] = []
    private(set) var count: Int64 = 0
    private(set) var finished = false

    init(keep: Int) { self.keep = keep }

    func write(_ buffer: UnsafeRawBufferPointer) throws(ArchiveError) {
        if head.count < keep { head += buffer.prefix(keep - head.count) }
        count += Int64(buffer.count)
    }

    func finish() throws(ArchiveError) { finished = true }
}

@Suite struct TarSupportTests {
    @Test func chunkedSourceServesEveryByte() throws {
        let bytes = TarTest.bytes(count: 1000, seed: 1)
        let source = TarChunkedSource(bytes, chunk: 7)
        var buffer = [UInt8](repeating: 0, count: 100)
        var read: [UInt8] = []
        while true {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { break }
            #expect(count <= 7)
            read += buffer[..<count]
        }
        #expect(read == bytes)
    }
}
