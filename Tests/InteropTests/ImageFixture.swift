import Foundation
import Testing

/// Builds a real single-layer image into a layout with only the `klein` CLI and standard tools:
/// GNU tar for the layer, `klein digest` for the diff_id, gzip -n for compression, `klein import` to store it.
enum ImageFixture {
    @discardableResult
    static func build(in scratch: Scratch, layout: String, ref: String) throws -> String {
        try scratch.write("rootfs/etc/hostname", "klein\n")
        try scratch.write("rootfs/usr/bin/hello", "#!/bin/sh\necho hello\n")
        try Tools.peer("chmod", "0755", "\(scratch.path)/rootfs/usr/bin/hello")
        try Tools.peer("tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0",
                       "-C", "\(scratch.path)/rootfs", "-cf", "\(scratch.path)/layer.tar", ".")
        let diffID = try Tools.klein("digest", "\(scratch.path)/layer.tar").trimmingCharacters(in: .whitespacesAndNewlines)
        try Tools.peer("gzip", "-n", "-f", "\(scratch.path)/layer.tar")
        try scratch.write("config.json", """
        {"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin:/bin"],"Cmd":["/usr/bin/hello"]},\
        "rootfs":{"type":"layers","diff_ids":["\(diffID)"]},"history":[{"created_by":"klein interop test"}]}
        """)
        let digest = try Tools.klein(
            "import", "\(layout):\(ref)",
            "\(scratch.path)/layer.tar.gz:application/vnd.oci.image.layer.v1.tar+gzip",
            "--config", "\(scratch.path)/config.json:application/vnd.oci.image.config.v1+json")
        return digest.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
