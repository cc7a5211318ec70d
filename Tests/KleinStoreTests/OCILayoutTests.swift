import Foundation
import KleinOCI
import Testing
@testable import KleinStore

@Suite struct OCILayoutTests {
    let fixture: LayoutFixture
    var directory: TemporaryDirectory { fixture.directory }
    var layout: OCILayout { fixture.layout }
    var build: LayoutBuilder { fixture.build }

    init() throws { fixture = try LayoutFixture() }

    @Test func createsTheSpecFiles() throws {
        let root = layout.path
        #expect(try String(contentsOfFile: "\(root)/oci-layout", encoding: .utf8) == #"{"imageLayoutVersion":"1.0.0"}"#)
        #expect(try String(contentsOfFile: "\(root)/index.json", encoding: .utf8)
            == #"{"manifests":[],"mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2}"#)
        #expect(FileManager.default.fileExists(atPath: "\(root)/blobs/sha256"))
        // Creating again opens it unchanged.
        _ = try build.image(layers: ["a"], name: "v1")
        _ = try OCILayout.create(at: root)
        #expect(try layout.refs().map(\.name) == ["v1"])
    }

    @Test func refusesDirectoriesThatAreNotLayouts() throws {
        #expect(throws: StoreError.self) { try OCILayout(opening: "\(directory.path)/missing") }
        let plain = "\(directory.path)/plain"
        try FileManager.default.createDirectory(atPath: plain, withIntermediateDirectories: true)
        #expect { try OCILayout(opening: plain) } throws: { "\($0)".contains("no oci-layout file") }
        _ = try directory.file("plain/oci-layout", contents: #"{"imageLayoutVersion":"2.0.0"}"#)
        #expect { try OCILayout(opening: plain) } throws: { "\($0)".contains("unsupported imageLayoutVersion") }
        _ = try directory.file("file", contents: "x")
        #expect(throws: StoreError.self) { try OCILayout.create(at: "\(directory.path)/file") }
    }

    @Test func tagsResolvesAndUntags() throws {
        let first = try build.image(layers: ["one"], name: "v1")
        let second = try build.image(layers: ["two"], name: "v2")
        #expect(try layout.resolve("v1").digest == first.digest)
        #expect(try layout.resolve(second.digest.description).digest == second.digest)
        try layout.tag("v1", as: "stable")
        #expect(try layout.resolve("stable").digest == first.digest)
        // Re-tagging moves the name; the old entry with that name goes away.
        try layout.tag("v2", as: "stable")
        #expect(try layout.resolve("stable").digest == second.digest)
        #expect(try layout.refs().map(\.name) == ["v1", "v2", "stable"])
        try layout.untag("v1")
        #expect(throws: StoreError.self) { try layout.resolve("v1") }
        #expect(throws: StoreError.self) { try layout.untag("v1") }
        #expect { try layout.resolve("") } throws: { "\($0)".contains("name one") }
    }

    @Test func resolvesTheOnlyEntryAndStoredManifests() throws {
        let image = try build.image(layers: ["x"], name: "only")
        #expect(try layout.resolve("").digest == image.digest)
        let unlisted = try build.image(layers: ["y"], name: nil)
        #expect(try layout.resolve(unlisted.digest.description).digest == unlisted.digest)
    }

    @Test(arguments: [
        ("v1", true), ("1.0.0", true), ("latest", true), ("a/b/c", true), ("a--b", true), ("a:b@c+d", true),
        ("", false), ("-a", false), ("a-", false), ("a//b", false), ("/a", false), ("a b", false), ("a---b", false), ("a.-b", false),
    ])
    func validatesRefNames(_ name: String, _ valid: Bool) {
        #expect(((try? OCILayout.validateRefName(name)) != nil) == valid)
    }

    @Test func importsAnArtifactAtomically() throws {
        let chart = try directory.file("chart.tgz", contents: "chart bytes")
        let config = try directory.file("config.json", contents: #"{"name":"demo"}"#)
        let descriptor = try layout.importArtifact(
            files: [OCILayout.ArtifactFile(path: chart, mediaType: .helmChartContent)], artifactType: nil,
            config: OCILayout.ArtifactFile(path: config, mediaType: .helmChartConfig), annotations: ["a": "b"], name: "demo")
        #expect(descriptor.artifactType == .helmChartConfig)
        guard case let .image(manifest) = try Manifest.parse(try layout.blobs.read(descriptor.digest)) else {
            Issue.record("expected an image manifest"); return
        }
        #expect(manifest.layers.first?.annotations?[AnnotationKey.title] == "chart.tgz")
        #expect(manifest.config.mediaType == .helmChartConfig)

        // Bad input changes nothing: no index.json change, no new blob.
        let indexBefore = try Data(contentsOf: URL(fileURLWithPath: "\(layout.path)/index.json"))
        let blobsBefore = try layout.blobs.list().blobs
        let file = OCILayout.ArtifactFile(path: chart, mediaType: .ociLayer)
        #expect(throws: (any Error).self) { try layout.importArtifact(files: [file], artifactType: nil, name: "x") }
        #expect(throws: (any Error).self) {
            try layout.importArtifact(files: [OCILayout.ArtifactFile(path: "\(directory.path)/nope", mediaType: .ociLayer)], artifactType: .spdxJSON, name: "x")
        }
        #expect(throws: (any Error).self) { try layout.importArtifact(files: [file, file], artifactType: .spdxJSON, name: "x") }
        #expect(throws: (any Error).self) { try layout.importArtifact(files: [file], artifactType: .spdxJSON, name: "bad name") }
        #expect(throws: (any Error).self) {
            try layout.importArtifact(files: [file], artifactType: .spdxJSON, subject: Digest.of([1]), name: "x")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(layout.path)/index.json")) == indexBefore)
        #expect(try layout.blobs.list().blobs == blobsBefore)
    }
}
