import Foundation
import Testing

/// Flags the README promises that no other test used: each is driven as a user types it and its
/// effect checked (issue 18, "untested promises").
@Suite struct CLIFlagTests {
    @Test func copyAllAndDigestfile() async throws {
        let scratch = try Scratch()
        let image = try ClientTestImage.make(in: scratch, layers: [[10_000]])
        let digestfile = "\(scratch.path)/out/digest"
        try FileManager.default.createDirectory(atPath: "\(scratch.path)/out", withIntermediateDirectories: true)
        #expect(try Tools.kleinFirstLine("copy", "--all", "--digestfile", digestfile, "\(image.layout):app", "oci:\(scratch.path)/copy:app")
            == image.manifest)
        #expect(try String(contentsOfFile: digestfile, encoding: .utf8) == "\(image.manifest)\n")
        let both = try Tools.kleinFailure("copy", "--all", "--platform", "linux/amd64", "\(image.layout):app", "oci:\(scratch.path)/never:app")
        #expect(both.contains("--platform") && both.contains("--all"), "\(both)")
        #expect(!FileManager.default.fileExists(atPath: "\(scratch.path)/never"))
    }

    @Test func deleteTagOnlyKeepsTheManifest() async throws {
        let scratch = try Scratch()
        let image = try ClientTestImage.make(in: scratch, layers: [[10_000]])
        try await RegistryUnderTest.with(.klein) { registry in
            let host = registry.host
            try Tools.klein("push", "\(image.layout):app", "\(host)/flags/app:v1")
            try Tools.klein("delete", "--tag-only", "\(host)/flags/app:v1")
            #expect(try Tools.kleinFailure("resolve", "\(host)/flags/app:v1").contains("not found"))
            #expect(try Tools.kleinFirstLine("resolve", "\(host)/flags/app@\(image.manifest)") == image.manifest)
            let untagged = try Tools.kleinFailure("delete", "--tag-only", "\(host)/flags/app@\(image.manifest)")
            #expect(untagged.contains("--tag-only"), "\(untagged)")
        }
    }

    @Test func gcDryRunsRemoveNothing() async throws {
        let scratch = try Scratch()
        let image = try ClientTestImage.make(in: scratch, layers: [[10_000]])
        let loose = "\(scratch.path)/loose"
        try Data("nobody refers to me".utf8).write(to: URL(fileURLWithPath: loose))
        let looseDigest = try Tools.kleinFirstLine("digest", loose).split(separator: " ").first.map(String.init) ?? ""
        let blobPath = "\(image.layout)/blobs/sha256/\(looseDigest.dropFirst(7))"
        try FileManager.default.copyItem(atPath: loose, toPath: blobPath)
        let planned = try Tools.klein("layout", "gc", image.layout, "--dry-run")
        #expect(planned.contains(looseDigest), "\(planned)")
        #expect(FileManager.default.fileExists(atPath: blobPath), "layout gc --dry-run removed a blob")
        try Tools.klein("layout", "gc", image.layout)
        #expect(!FileManager.default.fileExists(atPath: blobPath))

        let server = try KleinServe(scratch: scratch)
        defer { server.stop() }
        let orphan = TestBlob(Data("orphan".utf8))
        try await server.http.postBlob("flags/gc", orphan).expectStatus(201)
        let report = try Tools.klein("registry", "gc", "--data", server.data, "--grace", "0s", "--dry-run", "--json")
        #expect(report.contains(orphan.digest), "\(report)")
        try await server.http.head("/v2/flags/gc/blobs/\(orphan.digest)").expectStatus(200)
    }

    @Test func serveLogFormatJSONWritesOneObjectPerLine() async throws {
        let scratch = try Scratch()
        let server = try KleinServe(scratch: scratch, arguments: ["--log-format", "json"])
        defer { server.stop() }
        try await server.http.get("/v2/").expectStatus(200)
        let lines = try await polled(for: 10, { server.log.split(separator: "\n") }, until: { $0.contains { $0.contains("/v2/") } })
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not one JSON object: \(line)")
        }
        #expect(lines.contains { $0.contains("/v2/") }, "the request is logged: \(lines)")
    }

    @Test func specUnsetEnvDropsAnImageVariable() throws {
        let fixture = try RuntimeFixture()
        let image = try fixture.busybox("env", config: ["--config.env", "PROXY=http://proxy", "--config.env", "KEEP=1"] + RuntimeFixture.cmd("true"))
        let spec = try fixture.spec(image, "--unset-env", "PROXY", "--env", "DEBUG=1")
        let environment = try #require((spec.json["process"] as? [String: Any])?["env"] as? [String])
        #expect(!environment.contains { $0.hasPrefix("PROXY=") }, "\(environment)")
        #expect(environment.contains("KEEP=1") && environment.contains("DEBUG=1"), "\(environment)")
    }
}
