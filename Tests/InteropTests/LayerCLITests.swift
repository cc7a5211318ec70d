import KleinOCI
import KleinStore
import Foundation
import Testing

/// `klein layer add`, `klein layer unpack` and `klein unpack` as a user meets them, failures included.
@Suite struct LayerCLITests {
    @Test func layerAddExtendsAnImageThatPeersStillRead() throws {
        let scratch = try Scratch()
        let layout = "\(scratch.path)/layout"
        let before = try ImageFixture.build(in: scratch, layout: layout, ref: "app")
        try scratch.write("overlay/etc/added", "added by klein layer add\n")
        // gzip: Debian's umoci (0.4) cannot read zstd layers.
        let after = try Tools.klein("layer", "add", "\(layout):app", "\(scratch.path)/overlay")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(after != before)
        let config = try JSONSerialization.jsonObject(with: Data(try Tools.klein("inspect", "--config", "\(layout):app").utf8)) as? [String: Any]
        #expect(((config?["rootfs"] as? [String: Any])?["diff_ids"] as? [String])?.count == 2)
        #expect((config?["history"] as? [[String: Any]])?.last?["created_by"] as? String == "klein layer add")
        #expect(try Tools.klein("layout", "fsck", layout).contains("0 problems"))

        try Tools.klein("unpack", "\(layout):app", "\(scratch.path)/unpacked")
        #expect(try String(contentsOfFile: "\(scratch.path)/unpacked/etc/added", encoding: .utf8) == "added by klein layer add\n")
        #expect(try String(contentsOfFile: "\(scratch.path)/unpacked/etc/hostname", encoding: .utf8) == "klein\n")
        try Tools.peer("umoci", "unpack", "--image", "\(layout):app", "\(scratch.path)/bundle")
        #expect(try String(contentsOfFile: "\(scratch.path)/bundle/rootfs/etc/added", encoding: .utf8) == "added by klein layer add\n")
    }

    @Test func layerUnpackAppliesFilesInOrder() throws {
        let scratch = try Scratch()
        try scratch.write("one/a", "one")
        try scratch.write("one/b", "lower")
        try scratch.write("two/a", "two")
        try scratch.write("two/.wh.b", "")
        try Tools.klein("layer", "create", "\(scratch.path)/one", "-o", "\(scratch.path)/one.tar.gz")
        try Tools.klein("layer", "create", "\(scratch.path)/two", "-o", "\(scratch.path)/two.tar.zst", "--compression", "zstd")
        try Tools.klein("layer", "unpack", "\(scratch.path)/one.tar.gz", "\(scratch.path)/two.tar.zst", "\(scratch.path)/out")
        #expect(try String(contentsOfFile: "\(scratch.path)/out/a", encoding: .utf8) == "two")
        #expect(!FileManager.default.fileExists(atPath: "\(scratch.path)/out/b"))
    }

    /// A layer past its bound is refused, naming the layer and the bound, and the directory the
    /// command made for it is gone; 0 turns a bound off.
    @Test func decompressionBombIsRefusedAndLeavesNothing() throws {
        let scratch = try Scratch()
        let bomb = "\(scratch.path)/bomb.tar.gz"
        try Tools.peer("python3", "-c", """
            import gzip, io, sys, tarfile
            with gzip.open(sys.argv[1], "wb", compresslevel=9) as out, tarfile.open(fileobj=out, mode="w") as tar:
                info = tarfile.TarInfo("zeros"); info.size = 32 << 20
                tar.addfile(info, io.BytesIO(bytes(info.size)))
            """, bomb)
        let target = "\(scratch.path)/out"
        let refused = try Tools.run("klein", ["layer", "unpack", "--max-layer-size", "8388608", bomb, target])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("layer 0") && refused.stderr.contains("8388608") && refused.stderr.contains("decompression bombs"),
                "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target), "the target the command made is removed")
        try Tools.klein("layer", "unpack", "--max-layer-size", "0", "--max-expansion", "0", bomb, target)
        #expect(try FileManager.default.attributesOfItem(atPath: "\(target)/zeros")[.size] as? Int == 32 << 20)
        let negative = try Tools.run("klein", ["layer", "unpack", "--max-expansion", "-1", bomb, "\(scratch.path)/never"])
        #expect(negative.status != 0 && negative.stderr.contains("--max-expansion"), "\(negative.stderr)")
    }

    @Test func failedUnpackLeavesNothingBehind() throws {
        let scratch = try Scratch()
        let layout = "\(scratch.path)/layout"
        let digest = try ImageFixture.build(in: scratch, layout: layout, ref: "app")
        let manifest = try scratch.json("layout/blobs/sha256/\(digest.dropFirst(7))")
        let layer = ((manifest["layers"] as? [[String: Any]])?.first?["digest"] as? String ?? "").dropFirst(7)
        // Corrupt the layer blob: the unpack must fail naming the layer, and no target directory appears.
        let path = "\(layout)/blobs/sha256/\(layer)"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count - 9] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))
        let result = try Tools.run("klein", ["unpack", "\(layout):app", "\(scratch.path)/unpacked"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("layer 0"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(scratch.path)/unpacked"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).allSatisfy { !$0.contains(".partial") })

        try scratch.write("busy/file", "x")
        let busy = try Tools.run("klein", ["unpack", "\(layout):app", "\(scratch.path)/busy"])
        #expect(busy.status != 0 && busy.stderr.contains("not empty"))

        let sbom = try scratch.write("sbom.json", "{}")
        try Tools.klein("import", "\(layout):sbom", sbom, "--artifact-type", "application/spdx+json")
        let artifact = try Tools.run("klein", ["unpack", "\(layout):sbom", "\(scratch.path)/artifact"])
        #expect(artifact.status != 0 && artifact.stderr.contains("artifact"))

        let missing = try Tools.run("klein", ["layer", "create", "\(scratch.path)/nope", "-o", "\(scratch.path)/out.tar"])
        #expect(missing.status != 0 && missing.stderr.contains("nope"))
        #expect(!FileManager.default.fileExists(atPath: "\(scratch.path)/out.tar"))
    }
}

/// `klein unpack` picks the platform's manifest from an index.
@Suite struct UnpackPlatformTests {
    @Test func picksTheRequestedPlatformFromAnIndex() throws {
        let scratch = try Scratch()
        let layout = "\(scratch.path)/layout"
        var entries: [Descriptor] = []
        for architecture in ["amd64", "arm64"] {
            let tree = "\(scratch.path)/\(architecture)"
            try scratch.write("\(architecture)/etc/arch", architecture)
            let layer = try JSONSerialization.jsonObject(with: Data(try Tools.klein(
                "layer", "create", tree, "-o", "\(tree).tar.gz", "--json").utf8)) as? [String: Any] ?? [:]
            try scratch.write("\(architecture).json", #"{"architecture":"\#(architecture)","os":"linux","rootfs":{"type":"layers","diff_ids":["\#(layer["diffID"] as? String ?? "")"]}}"#)
            let digest = try Tools.klein("import", "\(layout):\(architecture)", "\(tree).tar.gz:application/vnd.oci.image.layer.v1.tar+gzip",
                                         "--config", "\(scratch.path)/\(architecture).json:application/vnd.oci.image.config.v1+json")
            let store = try OCILayout(opening: layout)
            var descriptor = try store.resolve(digest.trimmingCharacters(in: .whitespacesAndNewlines))
            descriptor.annotations = nil
            descriptor.platform = Platform(os: "linux", architecture: architecture, variant: architecture == "arm64" ? "v8" : nil)
            entries.append(descriptor)
        }
        let store = try OCILayout(opening: layout)
        let index = ImageIndex(manifests: entries).canonicalJSON
        try store.addEntry(Descriptor(mediaType: .ociIndex, digest: try store.blobs.write(index), size: Int64(index.count)), name: "multi")

        try Tools.klein("unpack", "\(layout):multi", "\(scratch.path)/arm", "--platform", "linux/arm64")
        #expect(try String(contentsOfFile: "\(scratch.path)/arm/etc/arch", encoding: .utf8) == "arm64")
        try Tools.klein("unpack", "\(layout):multi", "\(scratch.path)/amd", "--platform", "linux/amd64")
        #expect(try String(contentsOfFile: "\(scratch.path)/amd/etc/arch", encoding: .utf8) == "amd64")
        let missing = try Tools.run("klein", ["unpack", "\(layout):multi", "\(scratch.path)/none", "--platform", "linux/s390x"])
        #expect(missing.status != 0 && missing.stderr.contains("no manifest for linux/s390x"))
        #expect(!FileManager.default.fileExists(atPath: "\(scratch.path)/none"))
    }
}

/// Regressions from the security review, through the CLI and a real process limit or user.
@Suite struct UnpackLimitsTests {
    @Test func largeLayersUnpackUnderASmallDescriptorLimit() throws {
        let scratch = try Scratch()
        try Tools.peer("sh", "-c", "mkdir -p '\(scratch.path)/tree/usr/lib/x' && cd '\(scratch.path)/tree/usr/lib/x' && for i in $(seq 1 1500); do echo $i > f$i; done")
        try Tools.klein("layer", "create", "\(scratch.path)/tree", "-o", "\(scratch.path)/layer.tar.gz")
        try Tools.peer("sh", "-c", "ulimit -n 64 && '\(Tools.klein)' layer unpack '\(scratch.path)/layer.tar.gz' '\(scratch.path)/out'")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(scratch.path)/out/usr/lib/x").count == 1500)
    }

    @Test func rootlessUnpackFillsReadOnlyDirectories() throws {
        let scratch = try Scratch()
        try Tools.peer("sh", "-c", "mkdir -p '\(scratch.path)/tree/root' && echo hi > '\(scratch.path)/tree/root/.bashrc' && chmod 0550 '\(scratch.path)/tree/root'")
        try Tools.klein("layer", "create", "\(scratch.path)/tree", "-o", "\(scratch.path)/layer.tar", "--compression", "none", "--preserve")
        try Tools.peer("chmod", "0755", scratch.path)
        try Tools.peer("chmod", "0644", "\(scratch.path)/layer.tar")
        try FileManager.default.createDirectory(atPath: "\(scratch.path)/out", withIntermediateDirectories: true)
        try Tools.peer("chown", "65534:65534", "\(scratch.path)/out")
        // A copy of klein the unprivileged user can reach, wherever the checkout lives.
        try Tools.peer("install", "-m", "0755", Tools.klein, "\(scratch.path)/klein")
        try Tools.peer("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "\(scratch.path)/klein", "layer", "unpack", "\(scratch.path)/layer.tar", "\(scratch.path)/out")
        #expect(try String(contentsOfFile: "\(scratch.path)/out/root/.bashrc", encoding: .utf8) == "hi\n")
    }
}
