import Foundation
import Testing

/// `klein push|pull|copy|resolve|tags|inspect|delete|catalog|index create` against `klein serve` and CNCF
/// Distribution: round trips keep every digest, copies within a registry mount, platforms are selected.
@Suite struct ClientInteropTests {
    @Test(arguments: RegistryKind.allCases)
    func pushPullCopyKeepDigests(_ kind: RegistryKind) async throws {
        let scratch = try Scratch()
        let image = try ClientTestImage.make(in: scratch, layers: [[300_000], [300_000]])
        let (layout, digest) = (image.layout, image.manifest)
        try await RegistryUnderTest.with(kind) { registry in
            let host = registry.host
            #expect(try Tools.kleinFirstLine("push", "\(layout):app", "\(host)/team/app:v1") == digest)
            #expect(try Tools.kleinFirstLine("resolve", "\(host)/team/app:v1") == digest)
            #expect(try Tools.klein("tags", "\(host)/team/app") == "v1\n")

            // Pull into a new layout: same manifest digest, the layout verifies, the raw bytes are the pushed ones.
            #expect(try Tools.kleinFirstLine("pull", "\(host)/team/app:v1", "oci:\(scratch.path)/pulled:v1") == digest)
            #expect(try ClientTestImage.refs(in: "\(scratch.path)/pulled")["v1"] == digest)
            try Tools.klein("layout", "fsck", "\(scratch.path)/pulled")
            let raw = try Tools.run("klein", ["inspect", "--raw", "\(host)/team/app:v1"])
            let stored = try Data(contentsOf: URL(fileURLWithPath: "\(layout)/blobs/sha256/\(digest.dropFirst(7))"))
            #expect(Data(raw.stdout.utf8) == stored)

            // Within one registry the layers are mounted, not copied; a second push finds them all present.
            let copy = try Tools.klein("copy", "--json", "\(host)/team/app:v1", "\(host)/other/app:v2")
            #expect(copy.contains(#""mounted":3"#), "copy within a registry should mount config and layers: \(copy)")
            let again = try Tools.klein("push", "--json", "\(layout):app", "\(host)/other/app:v3")
            #expect(again.contains(#""existed":3"#), "a repeated push should skip existing blobs: \(again)")
            #expect(try Tools.kleinFirstLine("resolve", "\(host)/other/app:v2") == digest)
            let catalog = try Tools.klein("catalog", host)
            #expect(catalog.contains("team/app") && catalog.contains("other/app"), "catalog: \(catalog)")

            // Delete by tag removes the manifest it names; the tag then resolves to nothing.
            try Tools.klein("delete", "\(host)/other/app:v2")
            let gone = try Tools.kleinFailure("resolve", "\(host)/other/app:v2")
            #expect(gone.contains("not found"), "resolve after delete: \(gone)")
        }
    }

    @Test(arguments: RegistryKind.allCases)
    func indexCreateAndPlatformSelection(_ kind: RegistryKind) async throws {
        let scratch = try Scratch()
        let layout = try ClientTestImage.make(in: scratch, ref: "amd", layers: [[300_000]], architecture: "amd64").layout
        let armDigest = try ClientTestImage.make(in: scratch, ref: "arm", layers: [[300_000]], architecture: "arm64").manifest
        try await RegistryUnderTest.with(kind) { registry in
            let host = registry.host
            try Tools.klein("push", "\(layout):amd", "\(host)/multi/app:amd64")
            try Tools.klein("push", "\(layout):arm", "\(host)/multi/app:arm64")
            let index = try Tools.kleinFirstLine("index", "create", "\(host)/multi/app:v1",
                                                  "--manifest", "amd64", "--manifest", "\(host)/multi/app:arm64")
            let inspect = try Tools.klein("inspect", "\(host)/multi/app:v1")
            #expect(inspect.contains("linux/amd64") && inspect.contains("linux/arm64"), "index: \(inspect)")
            #expect(try Tools.kleinFirstLine("resolve", "\(host)/multi/app:v1", "--platform", "linux/arm64/v8") == armDigest)

            // All platforms by default: the index digest survives; --platform copies one manifest.
            #expect(try Tools.kleinFirstLine("copy", "\(host)/multi/app:v1", "oci:\(scratch.path)/all:v1") == index)
            try Tools.klein("layout", "fsck", "\(scratch.path)/all")
            #expect(try Tools.kleinFirstLine("copy", "--platform", "linux/arm64", "\(host)/multi/app:v1", "oci:\(scratch.path)/one:v1") == armDigest)
            let missing = try Tools.kleinFailure("copy", "--platform", "linux/s390x", "\(host)/multi/app:v1", "oci:\(scratch.path)/none:v1")
            #expect(missing.contains("linux/amd64") && missing.contains("s390x"), "platform miss: \(missing)")
            #expect(!FileManager.default.fileExists(atPath: "\(scratch.path)/none"))
        }
    }

    @Test(arguments: RegistryKind.allCases)
    func artifactsWithReferrers(_ kind: RegistryKind) async throws {
        let scratch = try Scratch()
        let layout = try ClientTestImage.make(in: scratch, layers: [[300_000]]).layout
        let sbom = try scratch.write("sbom.spdx.json", #"{"spdxVersion":"SPDX-2.3"}"#)
        let chart = try scratch.write("chart/demo-1.0.0.tgz", "not really a chart")
        try await RegistryUnderTest.with(kind) { registry in
            let host = registry.host
            let image = try Tools.kleinFirstLine("push", "\(layout):app", "\(host)/team/app:v1")
            let attached = try Tools.kleinFirstLine("artifact", "attach", "\(host)/team/app:v1", "\(sbom):application/spdx+json",
                                                     "--artifact-type", "application/spdx+json", "--annotation", "org.example.kind=sbom")
            let tree = try Tools.klein("artifact", "discover", "\(host)/team/app:v1")
            #expect(tree.contains(attached) && tree.contains("application/spdx+json"), "discover: \(tree)")
            let tags = try Tools.klein("tags", "\(host)/team/app")
            // Distribution 2.8 has no referrers API: the tag schema stands in (distribution-spec, "Referrers Tag Schema").
            #expect(tags.contains("sha256-\(image.dropFirst(7))") == (kind == .distribution), "tags: \(tags)")

            // Copy with the referrer graph, to a layout and to another repository.
            try Tools.klein("copy", "--referrers", "\(host)/team/app:v1", "oci:\(scratch.path)/withrefs:v1")
            let local = try Tools.klein("artifact", "discover", "oci:\(scratch.path)/withrefs:v1")
            #expect(local.contains(attached), "referrer in the layout: \(local)")
            try Tools.klein("copy", "--referrers", "\(host)/team/app:v1", "\(host)/mirror/app:v1")
            let mirrored = try Tools.klein("artifact", "discover", "--artifact-type", "application/spdx+json", "\(host)/mirror/app:v1")
            #expect(mirrored.contains(attached), "referrer in the mirror: \(mirrored)")

            // Push files, pull them back by title.
            let pushed = try Tools.kleinFirstLine("artifact", "push", "\(host)/charts/demo:1.0.0",
                                                   "\(chart):application/vnd.cncf.helm.chart.content.v1.tar+gzip",
                                                   "--artifact-type", "application/vnd.cncf.helm.config.v1+json")
            #expect(pushed.hasPrefix("sha256:"))
            try Tools.klein("artifact", "pull", "\(host)/charts/demo:1.0.0", "-o", "\(scratch.path)/out")
            #expect(try scratch.read("out/demo-1.0.0.tgz") == Data("not really a chart".utf8))
        }
    }

    /// A title that climbs out of the output directory is refused and nothing is written: also when a
    /// combining mark after the `/` makes Swift's `Character` view see no separator (`"/\u{338}"` is
    /// one `Character`) while the kernel still splits there.
    @Test(arguments: ["../escaped.txt", "../\u{338}escaped.txt"])
    func artifactPullRefusesPathTraversal(title: String) async throws {
        let scratch = try Scratch()
        try await RegistryUnderTest.with(.klein) { registry in
            let host = registry.host
            let payload = TestBlob(Data("escaped".utf8), mediaType: "text/plain")
            try await registry.http.pushBlob("evil/art", TestContent.emptyConfig)
            try await registry.http.pushBlob("evil/art", payload)
            var layer = payload.descriptor
            layer["annotations"] = ["org.opencontainers.image.title": title]
            let manifest = TestBlob(try JSONSerialization.data(withJSONObject: [
                "schemaVersion": 2, "mediaType": TestContent.manifestType, "artifactType": "application/vnd.example",
                "config": TestContent.emptyConfig.descriptor, "layers": [layer],
            ] as [String: Any]), mediaType: TestContent.manifestType)
            try await registry.http.pushManifest("evil/art", "v1", manifest)
            let error = try Tools.kleinFailure("artifact", "pull", "\(host)/evil/art:v1", "-o", "\(scratch.path)/out")
            #expect(error.contains("escape"), "traversal refusal: \(error)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty, "written beside the output directory")
        }
    }
}
