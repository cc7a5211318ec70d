import Foundation
import Testing

/// Klein's client against peer clients through the same registry: skopeo for images, oras-py for artifacts.
@Suite struct PeerClientInteropTests {
    static let orasPeer = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("oras_peer.py").path

    @Test(arguments: RegistryKind.allCases)
    func skopeoPullsWhatKleinPushesAndTheReverse(_ kind: RegistryKind) async throws {
        let scratch = try Scratch()
        let image = try ClientTestImage.make(in: scratch, layers: [[300_000], [300_000]])
        let (layout, digest) = (image.layout, image.manifest)
        try await RegistryUnderTest.with(kind) { registry in
            let host = registry.host
            try Tools.klein("push", "\(layout):app", "\(host)/klein/app:v1")
            try Tools.peer("skopeo", "copy", "--src-tls-verify=false", "docker://\(host)/klein/app:v1", "oci:\(scratch.path)/by-skopeo:v1")
            #expect(try ClientTestImage.refs(in: "\(scratch.path)/by-skopeo")["v1"] == digest)

            try Tools.peer("skopeo", "copy", "--dest-tls-verify=false", "oci:\(layout):app", "docker://\(host)/skopeo/app:v1")
            let pulled = try Tools.kleinFirstLine("pull", "\(host)/skopeo/app:v1", "oci:\(scratch.path)/by-klein:v1")
            #expect(pulled == (try Tools.kleinFirstLine("resolve", "\(host)/skopeo/app:v1")))
            try Tools.klein("layout", "fsck", "\(scratch.path)/by-klein")
            try Tools.peer("umoci", "unpack", "--rootless", "--image", "\(scratch.path)/by-klein:v1", "\(scratch.path)/bundle")
            #expect(FileManager.default.fileExists(atPath: "\(scratch.path)/bundle/rootfs/note-1.txt"))
        }
    }

    @Test(arguments: RegistryKind.allCases)
    func orasPyPullsWhatKleinPushesAndTheReverse(_ kind: RegistryKind) async throws {
        let python = try Tools.path(of: "python3")
        let scratch = try Scratch()
        let report = try scratch.write("files/report.json", #"{"ok":true}"#)
        try scratch.write("files/data.bin", "binary-ish payload")
        try await RegistryUnderTest.with(kind) { registry in
            let host = registry.host
            try Tools.klein("artifact", "push", "\(host)/arts/report:v1", "\(report):application/vnd.example.report+json",
                            "--artifact-type", "application/vnd.example.report")
            let pulled = try Tools.peer(python, [Self.orasPeer, "pull", "\(host)/arts/report:v1", "\(scratch.path)/by-oras"])
            #expect(pulled == "report.json\n")
            #expect(try scratch.read("by-oras/report.json") == Data(#"{"ok":true}"#.utf8))

            try Tools.peer(python, [Self.orasPeer, "push", "\(host)/arts/data:v1", "\(scratch.path)/files", "data.bin:application/octet-stream"])
            try Tools.klein("artifact", "pull", "\(host)/arts/data:v1", "-o", "\(scratch.path)/by-klein")
            #expect(try scratch.read("by-klein/data.bin") == Data("binary-ish payload".utf8))
        }
    }
}
