import Foundation
import KleinOCI
import KleinStore
import Testing
@testable import KleinClient

/// The copier chooses from an index with KleinOCI's one matcher (`ImageIndex.manifest(for:)`), the one
/// `klein inspect`, `klein resolve` and unpacking use too.
@Suite struct CopierPlatformTests {
    /// Entries that run equally well (`arm64` and `arm64/v8` normalize alike; `x86_64` is `amd64`):
    /// the first listed wins, in the matcher and in the copier.
    @Test(arguments: [("linux/arm64", 0), ("linux/arm64/v8", 0), ("linux/amd64", 2), ("linux/x86_64", 2)])
    func copierAndMatcherChooseTheSameEntry(platform: String, expected: Int) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("klein-copier-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let source = try OCILayout.create(at: root + "/source")
        _ = try source.blobs.write(Array("{}".utf8))
        let platforms = ["linux/arm64", "linux/arm64/v8", "linux/x86_64", "linux/amd64"]
        var entries: [Descriptor] = []
        for (position, name) in platforms.enumerated() {
            let bytes = ImageManifest(config: .empty, layers: [], annotations: ["entry": "\(position)"]).canonicalJSON
            _ = try source.blobs.write(bytes)
            var entry = Descriptor(mediaType: .ociManifest, bytes: bytes)
            entry.platform = try Platform(parsing: name)
            entries.append(entry)
        }
        let index = ImageIndex(manifests: entries)
        let indexBytes = index.canonicalJSON
        _ = try source.blobs.write(indexBytes)
        try source.addEntry(Descriptor(mediaType: .ociIndex, bytes: indexBytes), name: "app")

        let wanted = try Platform(parsing: platform)
        #expect(index.manifest(for: wanted)?.digest == entries[expected].digest)
        var copier = Copier(from: source, to: try OCILayout.create(at: root + "/destination"))
        copier.platform = wanted
        #expect(try await copier.copy("app", tag: nil).digest == entries[expected].digest)
    }
}
