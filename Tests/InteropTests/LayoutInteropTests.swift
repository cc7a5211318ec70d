import Foundation
import Testing

/// Layouts written by Klein are read by skopeo, umoci and oci-image-tool; layouts they write are read by Klein.
@Suite struct LayoutInteropTests {
    @Test func kleinImageIsReadByPeers() throws {
        let scratch = try Scratch()
        let layout = "\(scratch.path)/layout"
        let digest = try ImageFixture.build(in: scratch, layout: layout, ref: "v1")

        let inspect = try JSONSerialization.jsonObject(with: Data(try Tools.peer("skopeo", "inspect", "oci:\(layout):v1").utf8)) as? [String: Any]
        #expect(inspect?["Digest"] as? String == digest)
        #expect((inspect?["Layers"] as? [String])?.count == 1)
        #expect(try Tools.peer("skopeo", "inspect", "--raw", "oci:\(layout):v1") == String(decoding: try scratch.read("layout/blobs/sha256/\(digest.dropFirst(7))"), as: UTF8.self))

        #expect(try Tools.peer("umoci", "ls", "--layout", layout).split(separator: "\n") == ["v1"])
        let validation = try Tools.run("oci-image-tool", ["validate", "--type", "image", "--ref", "name=v1", layout])
        #expect(validation.succeeded, "oci-image-tool: \(validation.stderr)")
        try Tools.peer("umoci", "unpack", "--image", "\(layout):v1", "\(scratch.path)/bundle")
        #expect(try String(contentsOfFile: "\(scratch.path)/bundle/rootfs/etc/hostname", encoding: .utf8) == "klein\n")

        try Tools.peer("skopeo", "copy", "oci:\(layout):v1", "oci:\(scratch.path)/copy:v1")
        #expect(try Tools.klein("layout", "fsck", "\(scratch.path)/copy").contains("0 problems"))
        #expect(try Tools.klein("inspect", "\(scratch.path)/copy:v1").contains(digest))
    }

    @Test func kleinArtifactSurvivesSkopeoCopy() throws {
        let scratch = try Scratch()
        let layout = "\(scratch.path)/layout"
        let sbom = try scratch.write("sbom.spdx.json", #"{"spdxVersion":"SPDX-2.3"}"#)
        let digest = try Tools.klein("import", "\(layout):sbom", "\(sbom):application/spdx+json",
                                     "--artifact-type", "application/spdx+json", "--annotation", "org.example=1")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try Tools.peer("skopeo", "copy", "oci:\(layout):sbom", "oci:\(scratch.path)/copy:sbom")
        let copied = try scratch.json("copy/index.json")
        let entry = (copied["manifests"] as? [[String: Any]])?.first
        #expect(entry?["digest"] as? String == digest)
        #expect(try Tools.klein("layout", "fsck", "\(scratch.path)/copy").contains("0 problems"))
        let inspect = try Tools.klein("inspect", "\(scratch.path)/copy:sbom")
        #expect(inspect.contains("ArtifactType: application/spdx+json"))
        #expect(inspect.contains("sbom.spdx.json"))
    }

    @Test func peerLayoutsAreReadByKlein() throws {
        let scratch = try Scratch()
        let layout = "\(scratch.path)/umoci"
        try Tools.peer("umoci", "init", "--layout", layout)
        try Tools.peer("umoci", "new", "--image", "\(layout):base")
        try Tools.peer("umoci", "config", "--image", "\(layout):base", "--config.entrypoint", "/bin/sh", "--os", "linux", "--architecture", "arm64")
        try Tools.peer("umoci", "unpack", "--image", "\(layout):base", "\(scratch.path)/bundle")
        try scratch.write("bundle/rootfs/hello", "hi\n")
        try Tools.peer("umoci", "repack", "--image", "\(layout):base", "\(scratch.path)/bundle")

        #expect(try Tools.klein("layout", "ls", layout).contains("base"))
        #expect(try Tools.klein("layout", "fsck", layout).contains("0 problems"))
        let summary = try Tools.klein("inspect", "\(layout):base")
        #expect(summary.contains("Platform:     linux/arm64"))
        #expect(summary.contains("Entrypoint:   [\"/bin/sh\"]"))
        let json = try JSONSerialization.jsonObject(with: Data(try Tools.klein("inspect", "--json", "\(layout):base").utf8)) as? [String: Any]
        let config = json?["config"] as? [String: Any]
        #expect(config?["architecture"] as? String == "arm64")

        // skopeo's copy of umoci's image, then Klein tags it; umoci and skopeo still read the result.
        try Tools.peer("skopeo", "copy", "oci:\(layout):base", "oci:\(scratch.path)/skopeo:copied")
        #expect(try Tools.klein("layout", "fsck", "\(scratch.path)/skopeo").contains("0 problems"))
        try Tools.klein("layout", "tag", "\(scratch.path)/skopeo:copied", "stable")
        #expect(try Tools.peer("umoci", "ls", "--layout", "\(scratch.path)/skopeo").split(separator: "\n").sorted() == ["copied", "stable"])
        try Tools.peer("skopeo", "inspect", "oci:\(scratch.path)/skopeo:stable")

        // umoci's gc and Klein's agree that nothing reachable is garbage.
        let blobs = { try FileManager.default.contentsOfDirectory(atPath: "\(layout)/blobs/sha256").sorted() }
        let before = try blobs()
        #expect(try Tools.klein("layout", "gc", layout).contains("removed 4 blobs"))  // manifests and configs left by `umoci new` and `umoci config`
        let afterKlein = try blobs()
        try Tools.peer("umoci", "gc", "--layout", layout)
        #expect(try blobs() == afterKlein)
        #expect(afterKlein.count < before.count)
        #expect(try Tools.klein("layout", "fsck", layout).contains("0 problems"))
        try Tools.peer("umoci", "stat", "--image", "\(layout):base")
    }
}
