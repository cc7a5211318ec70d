import Foundation
import KleinOCI
import Testing

/// Klein's layers read by GNU tar and umoci; images umoci made unpacked by Klein exactly as umoci unpacks them.
@Suite struct LayerInteropTests {
    /// A small tree with every kind of entry a layer carries.
    static func makeTree(in scratch: Scratch) throws -> String {
        let tree = "\(scratch.path)/tree"
        try scratch.write("tree/etc/motd", "hello\n")
        try scratch.write("tree/usr/bin/tool", "#!/bin/sh\necho tool\n")
        try scratch.write("tree/usr/share/doc/\(String(repeating: "long-name-", count: 12))/README", "long path\n")
        try Tools.peer("chmod", "0755", "\(tree)/usr/bin/tool")
        try Tools.peer("ln", "-s", "../usr/bin/tool", "\(tree)/etc/tool-link")
        try Tools.peer("ln", "\(tree)/etc/motd", "\(tree)/etc/motd.hardlink")
        try Tools.peer("mkfifo", "\(tree)/etc/fifo")
        try FileManager.default.createDirectory(atPath: "\(tree)/var/empty", withIntermediateDirectories: true)
        return tree
    }

    @Test func gnuTarAndUmociReadKleinLayers() throws {
        let scratch = try Scratch()
        let tree = try Self.makeTree(in: scratch)
        for compression in ["gzip", "zstd", "none"] {
            let layer = "\(scratch.path)/layer-\(compression)"
            let output = try Tools.klein("layer", "create", tree, "-o", layer, "--compression", compression, "--json")
            let result = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
            #expect(result?["digest"] as? String == (try Tools.klein("digest", layer)).trimmingCharacters(in: .whitespacesAndNewlines))
            let extracted = "\(scratch.path)/gnu-\(compression)"
            try FileManager.default.createDirectory(atPath: extracted, withIntermediateDirectories: true)
            let decompress = compression == "gzip" ? ["--gzip"] : compression == "zstd" ? ["--zstd"] : []
            try Tools.peer("tar", decompress + ["-xf", layer, "-C", extracted])
            #expect(try TreeSnapshot(extracted, times: false, owners: false) == TreeSnapshot(tree, times: false, owners: false, modesDerived: true))
        }

        // As an image: umoci unpacks it to the same tree.
        let diffID = try Tools.klein("layer", "create", tree, "-o", "\(scratch.path)/raw.tar", "--compression", "none", "--json")
        let diff = (try JSONSerialization.jsonObject(with: Data(diffID.utf8)) as? [String: Any])?["diffID"] as? String ?? ""
        try scratch.write("config.json", #"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["\#(diff)"]}}"#)
        try Tools.klein("import", "\(scratch.path)/layout:v1", "\(scratch.path)/layer-gzip:application/vnd.oci.image.layer.v1.tar+gzip",
                        "--config", "\(scratch.path)/config.json:application/vnd.oci.image.config.v1+json")
        try Tools.peer("umoci", "unpack", "--image", "\(scratch.path)/layout:v1", "\(scratch.path)/bundle")
        #expect(try TreeSnapshot("\(scratch.path)/bundle/rootfs", times: false, owners: false) == TreeSnapshot(tree, times: false, owners: false, modesDerived: true))
        // And Klein unpacks its own image to the same tree.
        try Tools.klein("unpack", "\(scratch.path)/layout:v1", "\(scratch.path)/klein-rootfs")
        #expect(try TreeSnapshot("\(scratch.path)/klein-rootfs", times: true, owners: true) == TreeSnapshot("\(scratch.path)/bundle/rootfs", times: true, owners: true))
    }

    @Test func kleinUnpacksADebianImageExactlyAsUmociDoes() throws {
        // A real root file system (debootstrap, cached by scripts/rootfs), repacked by umoci in two layers.
        let scratch = try Scratch()
        let rootfs = try Tools.peer("\(Tools.repository)/scripts/rootfs").trimmingCharacters(in: .whitespacesAndNewlines)
        let layout = "\(scratch.path)/layout"
        try Tools.peer("umoci", "init", "--layout", layout)
        try Tools.peer("umoci", "new", "--image", "\(layout):empty")
        try Tools.peer("umoci", "unpack", "--image", "\(layout):empty", "\(scratch.path)/bundle")
        try Tools.peer("cp", "-a", "\(rootfs)/.", "\(scratch.path)/bundle/rootfs/")
        try Tools.peer("rm", "-f", "\(scratch.path)/bundle/rootfs/.complete")
        try Tools.peer("umoci", "repack", "--image", "\(layout):debian", "\(scratch.path)/bundle")
        // A second layer that deletes, replaces and adds, so whiteouts are exercised too. umoci diffs
        // against the image a bundle was unpacked from, so the bundle is unpacked again first.
        try Tools.peer("rm", "-rf", "\(scratch.path)/bundle")
        try Tools.peer("umoci", "unpack", "--image", "\(layout):debian", "\(scratch.path)/bundle")
        try Tools.peer("rm", "-rf", "\(scratch.path)/bundle/rootfs/usr/share/doc", "\(scratch.path)/bundle/rootfs/etc/motd")
        try scratch.write("bundle/rootfs/etc/hostname", "klein-test\n")
        try Tools.peer("umoci", "repack", "--image", "\(layout):debian", "\(scratch.path)/bundle")

        try Tools.peer("umoci", "unpack", "--image", "\(layout):debian", "\(scratch.path)/umoci")
        #expect(try Tools.peer("umoci", "stat", "--image", "\(layout):debian").split(separator: "\n").count(where: { $0.hasPrefix("sha256:") }) == 2,
                "two layers, the second with whiteouts")
        // As root, umoci creates device nodes; Klein does when asked to.
        try Tools.klein("unpack", "--devices", "\(layout):debian", "\(scratch.path)/klein")
        let expected = try TreeSnapshot("\(scratch.path)/umoci/rootfs", times: true, owners: true)
        let actual = try TreeSnapshot("\(scratch.path)/klein", times: true, owners: true)
        #expect(expected.entries.count > 5000)
        #expect(actual.differences(from: expected).isEmpty, "\(actual.differences(from: expected).prefix(20))")

        // The same image as skopeo writes it.
        try Tools.peer("skopeo", "copy", "oci:\(layout):debian", "oci:\(scratch.path)/skopeo:debian")
        try Tools.klein("unpack", "--devices", "\(scratch.path)/skopeo:debian", "\(scratch.path)/klein-from-skopeo")
        let fromSkopeo = try TreeSnapshot("\(scratch.path)/klein-from-skopeo", times: true, owners: true)
        #expect(fromSkopeo.differences(from: expected).isEmpty, "\(fromSkopeo.differences(from: expected).prefix(20))")
    }
}

/// Paths, types, modes, owners, sizes, content digests, link targets and mtimes of a tree.
struct TreeSnapshot: Equatable {
    let entries: [String: String]

    init(_ root: String, times: Bool, owners: Bool, modesDerived: Bool = false) throws {
        var entries: [String: String] = [:]
        let walker = FileManager.default.enumerator(atPath: root)
        while let relative = walker?.nextObject() as? String {
            let path = "\(root)/\(relative)"
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            let type = info.st_mode & S_IFMT
            var mode = info.st_mode & 0o7777
            if modesDerived {
                mode = type == S_IFLNK ? 0o777 : (type == S_IFDIR || info.st_mode & 0o111 != 0) ? 0o755 : 0o644
            }
            var line = "type=\(type >> 12) mode=\(String(mode, radix: 8))"
            if type != S_IFLNK { line += " size=\(type == S_IFDIR ? 0 : info.st_size)" }
            if owners { line += " owner=\(info.st_uid):\(info.st_gid)" }
            if times { line += " mtime=\(info.st_mtim.tv_sec)" }
            if type == S_IFREG, let data = FileManager.default.contents(atPath: path) { line += " \(Digest.of(Array(data)))" }
            if type == S_IFLNK { line += " -> \(try FileManager.default.destinationOfSymbolicLink(atPath: path))" }
            entries[relative] = line
        }
        self.entries = entries
    }

    func differences(from other: TreeSnapshot) -> [String] {
        Set(entries.keys).union(other.keys).sorted().compactMap { key in
            entries[key] == other.entries[key] ? nil : "\(key): \(other.entries[key] ?? "absent") vs \(entries[key] ?? "absent")"
        }
    }

    var keys: Dictionary<String, String>.Keys { entries.keys }
}
