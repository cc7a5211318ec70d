import Foundation
import KleinArchive
import KleinOCI
import Testing
@testable import KleinBuild

/// A tree artifact's names are bytes: entries that are not UTF-8 move under `dest` with exactly
/// their bytes, hardlink targets too.
@Suite struct ArtifactLayerPathTests {
    @Test func aTreeKeepsNamesThatAreNotUTF8UnderItsDestination() throws {
        let latin1 = BytePath(bytes: Array("caf".utf8) + [0xE9])
        let directory = BytePath(bytes: [0x64, 0xFF])
        let inner = BytePath(bytes: [0x64, 0xFF, 0x2F, 0x78])
        let tree = MemorySink()
        let writer = TarWriter(sink: tree)
        try writer.append(TarEntry(path: latin1, kind: .regular, size: 1), contents: MemorySource([0x31]))
        try writer.append(TarEntry(path: directory + "/", kind: .directory, mode: 0o755), contents: nil)
        try writer.append(TarEntry(path: inner, kind: .hardlink, linkTarget: latin1), contents: nil)
        try writer.finish()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("klein-tree-\(UUID().uuidString).tar").path
        try Data(tree.bytes).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }

        let artifact = BuildSpec.Artifact(name: "tree", source: .local(path: "tree"), dest: "/opt/app/", mode: nil, owner: nil,
                                          referenceOnly: false, settings: .init())
        let layer = MemorySink()
        _ = try ArtifactLayer(artifact: artifact, epoch: 0, compression: .none)
            .write(from: .tree(path: file, digest: Digest.of(tree.bytes)), to: layer)

        let reader = TarReader(source: MemorySource(layer.bytes))
        var entries: [TarEntry] = []
        while let entry = try reader.next() { entries.append(entry) }
        let prefix: BytePath = "opt/app/"
        #expect(entries.map(\.path) == ["opt/", "opt/app/", prefix + latin1, prefix + directory + "/", prefix + inner])
        #expect(entries.last?.linkTarget == prefix + latin1)
    }
}
