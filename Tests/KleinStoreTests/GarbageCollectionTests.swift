import Foundation
import KleinOCI
import Testing
@testable import KleinStore

@Suite struct GarbageCollectionTests {
    let fixture: LayoutFixture
    var directory: TemporaryDirectory { fixture.directory }
    var layout: OCILayout { fixture.layout }
    var build: LayoutBuilder { fixture.build }

    init() throws { fixture = try LayoutFixture() }

    /// Every blob a manifest reaches, itself included.
    private func closure(_ descriptor: Descriptor) throws -> Set<Digest> {
        var result: Set<Digest> = [descriptor.digest]
        guard descriptor.mediaType.isManifest else { return result }
        for child in try Manifest.parse(try layout.blobs.read(descriptor.digest)).children {
            result.formUnion(try closure(child))
        }
        return result
    }

    @Test func keepsEverythingReachableAndRemovesTheRest() throws {
        let tagged = try build.image(layers: ["shared", "tagged only"], name: "app")
        let amd = try build.image(layers: ["shared", "amd"], name: nil)
        let arm = try build.image(layers: ["arm"], name: nil, architecture: "arm64")
        let index = try build.index([amd, arm], name: "multi")
        let signature = try build.referrer(to: tagged, content: "signature of app")
        let signatureOfSignature = try build.referrer(to: signature, content: "countersignature")
        let sbomOfPlatform = try build.referrer(to: arm, content: "sbom of arm")

        let orphanImage = try build.image(layers: ["orphan layer"], name: nil)
        let orphanReferrer = try build.referrer(to: orphanImage, content: "signature of orphan")
        let looseBlob = try layout.blobs.write(Array("loose".utf8))

        var expectedKept = try closure(tagged).union(closure(index))
        for referrer in [signature, signatureOfSignature, sbomOfPlatform] { expectedKept.formUnion(try closure(referrer)) }
        let expectedRemoved = try closure(orphanImage).union(closure(orphanReferrer)).union([looseBlob]).subtracting(expectedKept)

        let dryRun = try layout.gc(dryRun: true)
        #expect(Set(dryRun.removed) == expectedRemoved)
        #expect(try Set(layout.blobs.list().blobs) == expectedKept.union(expectedRemoved))

        let report = try layout.gc()
        #expect(Set(report.removed) == expectedRemoved)
        #expect(report.kept == expectedKept.count)
        #expect(try Set(layout.blobs.list().blobs) == expectedKept)
        #expect(try layout.fsck().isClean)

        // Untagging makes the image collectable, but not the layer another image shares.
        try layout.untag("app")
        let expectedSecond = try closure(tagged).union(closure(signature)).union(closure(signatureOfSignature))
            .subtracting(closure(index)).subtracting(closure(sbomOfPlatform))
        let second = try layout.gc()
        #expect(Set(second.removed) == expectedSecond)
        #expect(layout.blobs.exists(amd.digest))
        #expect(try layout.fsck().isClean)
    }

    @Test func sparesYoungBlobsAndRemovesScratchFiles() throws {
        let young = try layout.blobs.write(Array("young".utf8))
        _ = try directory.file("layout/.klein/ingest/interrupted.partial", contents: "half a blob")
        let report = try layout.gc(grace: 3600)
        #expect(report.spared == [young])
        #expect(report.removed.isEmpty)
        #expect(report.removedScratchFiles == 1)
        #expect(directory.listing("layout/.klein/ingest").isEmpty)
        #expect(try layout.gc().removed == [young])
    }

    @Test(arguments: ["{not json", "{\"schemaVersion\":2,\"config\":{}}xx", ""])
    func refusesToSweepAnUnreadableGraph(_ replacement: String) throws {
        let image = try build.image(layers: ["a"], name: "app")
        let path = layout.blobs.path(for: image.digest)
        if replacement.isEmpty { try layout.blobs.delete(image.digest) } else { try Data(replacement.utf8).write(to: URL(fileURLWithPath: path)) }
        let blobsBefore = try layout.blobs.list().blobs
        #expect { try layout.gc() } throws: { "\($0)".contains("gc refused") }
        #expect(try layout.blobs.list().blobs == blobsBefore)
    }

    @Test func fsckFindsCorruptMissingAndMismatchedBlobs() throws {
        let image = try build.image(layers: ["first layer", "second layer"], name: "app")
        guard case let .image(manifest) = try Manifest.parse(try layout.blobs.read(image.digest)) else {
            Issue.record("the built image's manifest parses as an image manifest")
            return
        }
        #expect(try layout.fsck().isClean)

        try Data("FIRST LAYER".utf8).write(to: URL(fileURLWithPath: layout.blobs.path(for: manifest.layers[0].digest)))
        try layout.blobs.delete(manifest.layers[1].digest)
        _ = try directory.file("layout/blobs/sha256/garbage", contents: "x")
        _ = try directory.file("layout/.klein/ingest/left.partial", contents: "x")

        let report = try layout.fsck()
        #expect(!report.isClean)
        let kinds = report.problems.map(\.kind)
        #expect(kinds.filter { $0 == .corrupt }.count == 1)
        #expect(kinds.filter { $0 == .missing }.count == 1)
        #expect(kinds.filter { $0 == .stray }.count == 1)
        #expect(report.scratchFiles == 1)
        let missing = try #require(report.problems.first { $0.kind == .missing })
        #expect(missing.detail.contains("index.json manifests[0] > layers[1]"))
        let corrupt = try #require(report.problems.first { $0.kind == .corrupt })
        #expect(corrupt.path == layout.blobs.path(for: manifest.layers[0].digest))

        // A descriptor whose size disagrees with the blob.
        try layout.blobs.write(Array("second layer".utf8))
        var wrongSize = image
        wrongSize.size += 1
        try layout.addEntry(wrongSize, name: "wrong")
        #expect(try layout.fsck().problems.contains { $0.kind == .sizeMismatch })
    }
}
