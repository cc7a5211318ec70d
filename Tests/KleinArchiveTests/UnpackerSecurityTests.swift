import Foundation
import Testing
@testable import KleinArchive

/// Hostile layers: each is refused or neutralized, and nothing outside the root changes.
@Suite struct UnpackerSecurityTests {
    typealias E = LayerFixture.Entry

    /// Layers (lowest first) and whether applying them must fail.
    static let cases: [(name: String, layers: [[E]], fails: Bool)] = [
        ("dot-dot file", [[E.file("../escape")]], true),
        ("dot-dot in the middle", [[E.directory("a/"), E.file("a/../../escape")]], true),
        ("absolute path", [[E.file("/escape")]], true),
        ("absolute symlink parent", [[E.symlink("link", to: "/"), E.file("link/pwned")]], false),
        ("relative escaping symlink parent", [[E.symlink("link", to: "../../../../.."), E.file("link/pwned")]], false),
        ("symlink from an earlier layer", [[E.symlink("link", to: "../outside")], [E.file("link/pwned")]], false),
        ("whiteout through a symlinked parent", [[E.symlink("link", to: "../outside")], [E.whiteout("link/.wh.sentinel")]], false),
        ("opaque whiteout through a symlinked parent", [[E.symlink("link", to: "../outside")], [E.whiteout("link/.wh..wh..opq")]], false),
        ("whiteout named .wh.", [[E.whiteout(".wh.")]], true),
        ("whiteout named .wh..", [[E.whiteout(".wh..")]], true),
        ("whiteout named .wh...", [[E.whiteout(".wh...")]], true),
        ("reserved .wh..wh. name", [[E.whiteout(".wh..wh.foo")]], true),
        ("whiteout-named directory", [[E.directory(".wh.dir/"), E.file(".wh.dir/x")]], true),
        ("hardlink with dot-dot", [[E.hardlink("h", to: "../outside/sentinel")]], true),
        ("hardlink to an absolute path", [[E.hardlink("h", to: "/etc/passwd")]], true),
        ("hardlink through a symlink", [[E.symlink("l", to: "../outside"), E.hardlink("h", to: "l/sentinel")]], true),
        ("hardlink before its target", [[E.hardlink("h", to: "later"), E.file("later")]], true),
        ("hardlink to a directory", [[E.directory("d/"), E.hardlink("h", to: "d")]], true),
        ("file as the root", [[E.file("./")]], true),
        ("file named dot", [[E.file(".")]], true),
        ("duplicate entries (the later wins)", [[E.file("dup", "one"), E.file("dup", "two")]], false),
        ("a repeated directory turned into a symlink out of the root",
         [[E.directory("d/", mode: 0o700), E.directory("d/x/", mode: 0o777), E.symlink("d", to: "../outside"), E.file("d", "replaced")]], false),
        ("symlink loop", [[E.symlink("a", to: "b"), E.symlink("b", to: "a"), E.file("a/x")]], true),
        ("entry below a file", [[E.file("f")], [E.file("f/x")]], true),
        ("directory replaces an escaping symlink", [[E.symlink("d", to: "../outside")], [E.directory("d/"), E.file("d/sentinel", "replaced")]], false),
        ("symlink then write through its absolute path", [[E.symlink("etc", to: "/outside"), E.file("etc/sentinel", "pwned")]], false),
    ]

    @Test(arguments: cases.indices)
    func hostileLayer(_ index: Int) throws {
        let testCase = Self.cases[index]
        let sandbox = try UnpackSandbox()
        let before = sandbox.snapshot(sandbox.outside)
        let layers = try testCase.layers.map { try LayerFixture.layer($0) }
        var failure: (any Error)?
        do { try sandbox.apply(layers) } catch { failure = error }
        #expect((failure != nil) == testCase.fails, "\(testCase.name): \(failure.map { "\($0)" } ?? "no error")")
        if let failure { #expect("\(failure)".contains("layer"), "\(testCase.name): \(failure)") }
        #expect(sandbox.snapshot(sandbox.outside) == before, "\(testCase.name) changed something outside the root")
    }

    @Test func symlinkedParentsResolveInsideTheRoot() throws {
        let sandbox = try UnpackSandbox()
        try sandbox.apply([try LayerFixture.layer([E.symlink("link", to: "/"), E.file("link/pwned", "inside")])])
        #expect(sandbox.contents("pwned") == "inside")
    }

    @Test func truncatedLayerFails() throws {
        let sandbox = try UnpackSandbox()
        let layer = try LayerFixture.layer([E.file("big", String(repeating: "x", count: 5000))])
        #expect(throws: ArchiveError.self) { try sandbox.apply([Array(layer.prefix(2000))]) }
    }

    /// A gzip layer of one file of `size` zero bytes: tiny compressed, large unpacked.
    private static func gzipLayerOfZeros(_ size: Int64) throws -> [UInt8] {
        let sink = MemorySink()
        let tar = TarWriter(sink: try GzipCompressor(downstream: sink))
        try tar.append(TarEntry(path: "zeros", kind: .regular, size: size), contents: ZeroSource(count: Int(size)))
        try tar.finish()
        return sink.bytes
    }

    @Test func decompressionBombStopsAtTheLimit() throws {
        let sandbox = try UnpackSandbox()
        let layer = try Self.gzipLayerOfZeros(256 << 20)
        #expect(layer.count < 2 << 20)
        var options = UnpackOptions()
        options.maximumLayerSize = 32 << 20
        #expect { try sandbox.apply([layer], options: options) } throws: { error in
            if case .inLayer(0, .limitExceeded) = error as? ArchiveError { return true }
            return false
        }
    }

    /// By default a layer may grow to 100 times its compressed size (any layer to the allowance).
    @Test func decompressionBombsAreBoundedByDefault() throws {
        let layer = try Self.gzipLayerOfZeros(64 << 20)
        var options = UnpackOptions()
        options.expansionAllowance = 1 << 20
        #expect(options.maximumExpansion == 100 && options.maximumLayerSize == 64 << 30)
        let refused = try UnpackSandbox()
        let unpacker = try Unpacker(rootPath: refused.root, options: options)
        #expect { try unpacker.apply(layer: MemorySource(layer), index: 0, compressedSize: Int64(layer.count)) } throws: { error in
            guard case .inLayer(0, .limitExceeded(_, let limit)) = error as? ArchiveError else { return false }
            return limit == 100 * Int64(layer.count) && "\(error)".contains("decompression bombs")
        }
        options.maximumExpansion = nil
        let allowed = try UnpackSandbox()
        try Unpacker(rootPath: allowed.root, options: options).apply(layer: MemorySource(layer), index: 0, compressedSize: Int64(layer.count))
        #expect(allowed.exists("zeros"))
    }

    @Test func theTightestBoundApplies() {
        var options = UnpackOptions()
        #expect(options.uncompressedLimit(compressedSize: nil)?.bytes == 64 << 30, "unknown size: the absolute cap")
        #expect(options.uncompressedLimit(compressedSize: 1000)?.bytes == 1 << 30, "small layers get the allowance")
        #expect(options.uncompressedLimit(compressedSize: 100 << 20)?.bytes == 10_000 << 20)
        #expect(options.uncompressedLimit(compressedSize: 10 << 30)?.bytes == 64 << 30, "the absolute cap is tighter")
        #expect(options.uncompressedLimit(compressedSize: .max)?.bytes == 64 << 30, "no overflow")
        options.maximumLayerSize = nil
        options.maximumExpansion = nil
        #expect(options.uncompressedLimit(compressedSize: 1000) == nil)
    }

    @Test func devicesAreSkippedUnlessAllowed() throws {
        let sandbox = try UnpackSandbox()
        let device = E(header: TarEntry(path: "null", kind: .characterDevice, mode: 0o666, deviceMajor: 1, deviceMinor: 3), text: "")
        let unpacker = try sandbox.apply([try LayerFixture.layer([device])])
        #expect(!sandbox.exists("null"))
        #expect(unpacker.warnings.contains { $0.contains("skipped device null") })
    }
}
