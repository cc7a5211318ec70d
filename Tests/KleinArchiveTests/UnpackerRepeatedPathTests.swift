import Foundation
import Testing
@testable import KleinArchive

/// A path repeated within one layer: layer.md forbids writing such layers, but every widely used
/// consumer applies them, the later entry winning. Klein applies them exactly as if each entry were a
/// layer of its own, with one warning per layer; and paths are compared as bytes throughout.
@Suite struct UnpackerRepeatedPathTests {
    typealias E = LayerFixture.Entry

    static let cases: [(name: String, entries: [E])] = [
        ("file, then file", [E.file("f", "one"), E.file("f", "two")]),
        ("file, then symlink", [E.file("f", "one"), E.symlink("f", to: "elsewhere")]),
        ("symlink, then file", [E.symlink("f", to: "elsewhere"), E.file("f", "now a file")]),
        ("directory with a child, then file", [E.directory("d/", mode: 0o700), E.file("d/x"), E.file("d", "now a file")]),
        ("file, then directory with a child", [E.file("d", "a file"), E.directory("d/", mode: 0o750), E.file("d/x", "inside")]),
        ("directory, then the same directory with another mode", [E.directory("d/", mode: 0o700), E.file("d/x"), E.directory("d/", mode: 0o755)]),
        ("a hardlink to an entry replaced later", [E.file("t", "old"), E.hardlink("h", to: "t"), E.file("t", "new")]),
        ("a hardlink to the later of two entries", [E.file("t", "old"), E.file("t", "new"), E.hardlink("h", to: "t")]),
        ("directory, then symlink, then directory", [E.directory("d/"), E.file("d/x"), E.symlink("d", to: "x"), E.directory("d/", mode: 0o711)]),
    ]

    @Test(arguments: cases.indices)
    func laterEntriesWinAsIfEachWereALayer(_ index: Int) throws {
        let (name, entries) = Self.cases[index]
        let together = try UnpackSandbox(), apart = try UnpackSandbox()
        let unpacker = try together.apply([try LayerFixture.layer(entries)])
        try apart.apply(try entries.map { try LayerFixture.layer([$0]) })
        #expect(together.snapshot(together.root) == apart.snapshot(apart.root), "\(name)")
        #expect(Self.inodeGroups(together) == Self.inodeGroups(apart), "\(name): hardlink identity")
        #expect(unpacker.warnings.count == 1, "\(name): one warning for the layer: \(unpacker.warnings)")
        #expect(unpacker.warnings.first?.contains("layer 0") == true, "\(unpacker.warnings)")
    }

    @Test func aHardlinkKeepsTheContentOfTheEntryItWasMadeTo() throws {
        let sandbox = try UnpackSandbox()
        try sandbox.apply([try LayerFixture.layer([E.file("t", "old"), E.hardlink("h", to: "t"), E.file("t", "new")])])
        #expect(sandbox.contents("h") == "old" && sandbox.contents("t") == "new")
    }

    /// `café` spelled with U+00E9 and with `e` + U+0301, and names differing only in case: distinct
    /// files with the archive's exact bytes, and no warning, since no path repeats.
    @Test func canonicallyEquivalentAndCaseVariantNamesAreDistinctFiles() throws {
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        let sandbox = try UnpackSandbox()
        let unpacker = try sandbox.apply([try LayerFixture.layer([
            E.file(BytePath(composed), "composed"), E.file(BytePath(decomposed), "decomposed"), E.file("Name", "upper"), E.file("name", "lower"),
            E.directory(BytePath("\(composed)-dir/")), E.directory(BytePath("\(decomposed)-dir/")),
        ])])
        #expect(unpacker.warnings.isEmpty, "\(unpacker.warnings)")
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: sandbox.root).map { Array($0.utf8) })
        let expected = Set([composed, decomposed, "Name", "name", "\(composed)-dir", "\(decomposed)-dir"].map { Array($0.utf8) })
        #expect(names == expected)
        #expect(FileManager.default.contents(atPath: "\(sandbox.root)/\(composed)") == Data("composed".utf8))
        #expect(FileManager.default.contents(atPath: "\(sandbox.root)/\(decomposed)") == Data("decomposed".utf8))
    }

    /// Paths grouped by inode: which of them are one file.
    private static func inodeGroups(_ sandbox: UnpackSandbox) -> Set<Set<String>> {
        var groups: [UInt64: Set<String>] = [:]
        let walker = FileManager.default.enumerator(atPath: sandbox.root)
        while let relative = walker?.nextObject() as? String {
            var info = stat()
            guard lstat("\(sandbox.root)/\(relative)", &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            groups[UInt64(info.st_ino), default: []].insert(relative)
        }
        return Set(groups.values)
    }
}
