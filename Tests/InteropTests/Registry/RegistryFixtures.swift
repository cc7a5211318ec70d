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

/// Plain HTTP requests to a registry through curl, for checks the peers do not make.
struct RegistryHTTPClient {
    let host: String

    /// The status of a request without a body.
    func status(_ method: String, _ path: String, headers: [String] = []) throws -> Int {
        let result = try Tools.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", method]
            + (method == "HEAD" ? ["-I"] : []) + headers.flatMap { ["-H", $0] } + ["http://\(host)\(path)"])
        return Int(result.stdout) ?? -1
    }

    /// Pushes bytes as a blob with a single `POST ?digest=`; returns the digest.
    @discardableResult
    func pushBlob(_ bytes: [UInt8], to repository: String) throws -> String {
        let scratch = try Scratch()
        let file = "\(scratch.path)/blob"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let digest = "sha256:" + (try Tools.peer("sha256sum", file).split(separator: " ").first.map(String.init) ?? "")
        let code = try Tools.peer("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                                  "-H", "Content-Type: application/octet-stream", "--data-binary", "@\(file)",
                                  "http://\(host)/v2/\(repository)/blobs/uploads/?digest=\(digest)")
        #expect(code == "201", "pushing a blob to \(repository) answered \(code)")
        return digest
    }
}
