import Foundation
import Testing

/// Stage 2 from a registry: an image named by tag is fetched once into the node's store (DATA/images),
/// and a release made from a registry tag runs the image it pinned, fetched by that digest, after the
/// tag has moved.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RuntimeRegistryTests {
    @Test func registryImagesAreFetchedIntoTheNodesStoreAndReleasesByTheirDigest() async throws {
        let fixture = try RuntimeFixture()
        let server = try await KleinServe.start(scratch: fixture.scratch)
        defer { server.stop() }
        _ = try RuntimeRunInteropTests.image(fixture)
        let repository = "\(server.host)/runtime/bb"
        try Tools.klein("copy", "\(fixture.layout):bb", "\(repository):v1")
        let manifest = try fixture.write("demo.toml", RuntimeRunInteropTests.manifest(script: "echo \"B=$B\""))
        let created = try fixture.klein("release", "create", "--image", "\(repository):v1", "--manifest", manifest)
        try #require(created.succeeded, "\(created.stderr)")
        let release = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let pinned = try Tools.klein("resolve", "\(repository):v1").trimmingCharacters(in: .whitespacesAndNewlines)

        // The tag moves to an image with another B.
        try Tools.peer("umoci", "config", "--image", "\(fixture.layout):bb", "--config.env", "B=moved")
        try Tools.klein("copy", "\(fixture.layout):bb", "\(repository):v1")
        let byTag = try fixture.klein("run", "\(repository):v1", "--manifest", manifest)
        #expect(byTag.succeeded && byTag.stdout == "B=moved\n", "\(byTag.status) \(byTag.stdout) \(byTag.stderr)")
        let byRelease = try fixture.klein("run", release)
        #expect(byRelease.succeeded && byRelease.stdout == "B=image\n", "\(byRelease.status) \(byRelease.stdout) \(byRelease.stderr)")

        // Both manifests are in the node's store, fetched for this machine's platform.
        let store = try Tools.klein("layout", "fsck", "\(fixture.data)/images")
        #expect(FileManager.default.fileExists(atPath: "\(fixture.data)/images/blobs/sha256/\(pinned.dropFirst(7))"), "\(store)")
        let spec = try fixture.spec(release).json["annotations"] as? [String: Any]
        #expect(spec?["dev.klein.release"] as? String == release)
        fixture.expectNothingLeft()
    }
}
