import Foundation
import Testing

enum RegistryFixtures {
    /// A two-layer Debian image (the debootstrap root file system `scripts/rootfs` caches, repacked by
    /// umoci, then changed so the second layer has whiteouts) in `<scratch>/debian` under ref `debian`.
    static func debianLayout(in scratch: Scratch) throws -> String {
        let rootfs = try Tools.peer("\(Tools.repository)/scripts/rootfs").trimmingCharacters(in: .whitespacesAndNewlines)
        let layout = "\(scratch.path)/debian"
        let bundle = "\(scratch.path)/debian-bundle"
        try Tools.peer("umoci", "init", "--layout", layout)
        try Tools.peer("umoci", "new", "--image", "\(layout):debian")
        try Tools.peer("umoci", "unpack", "--image", "\(layout):debian", bundle)
        try Tools.peer("cp", "-a", "\(rootfs)/.", "\(bundle)/rootfs/")
        try Tools.peer("rm", "-f", "\(bundle)/rootfs/.complete")
        try Tools.peer("umoci", "repack", "--image", "\(layout):debian", bundle)
        // umoci diffs against the image a bundle was unpacked from, so the second layer needs a fresh unpack.
        try Tools.peer("rm", "-rf", bundle)
        try Tools.peer("umoci", "unpack", "--image", "\(layout):debian", bundle)
        try Tools.peer("rm", "-rf", "\(bundle)/rootfs/usr/share/doc")
        try scratch.write("debian-bundle/rootfs/etc/hostname", "klein-test\n")
        try Tools.peer("umoci", "repack", "--image", "\(layout):debian", bundle)
        try Tools.peer("rm", "-rf", bundle)
        return layout
    }

    /// Bytes held by upload sessions in a registry data directory.
    static func bytesInUploads(data: String) -> Int {
        let directory = "\(data)/uploads"
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: "\(directory)/\(name)")[.size] as? Int) ?? 0)
        }
    }

    /// The manifest digest `ref` names in a layout.
    static func manifestDigest(layout: String, ref: String) throws -> String {
        try Tools.klein("inspect", "--json", "\(layout):\(ref)").split(separator: "\n").first.flatMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["digest"] as? String
        } ?? ""
    }
}
