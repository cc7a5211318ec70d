import ArgumentParser
import Foundation
import KleinArchive
import KleinOCI
import KleinRuntime
import KleinStore

struct Unpack: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Unpack an image from a layout into a root file system directory, verifying every layer.",
        discussion: """
        Each layer is checked against its descriptor digest and the config's diff_id while it is applied. \
        The directory must not exist or be empty; it appears only when the unpack succeeded.
        Example:
          klein unpack ./images:app ./rootfs --platform linux/arm64
        """
    )

    @Argument(help: "[oci:]PATH[:REF] or [oci:]PATH@DIGEST.") var image: LayoutTarget
    @Argument(help: "Target directory.") var directory: String
    @Option(help: "Platform to pick from an index, os/arch[/variant] (default: this machine's).") var platform: String?
    @Flag(help: "Create device nodes (root only).") var devices = false
    @OptionGroup var limits: UnpackLimits

    func run() throws {
        let layout = try image.open()
        let wanted = try platform.map { try Platform(parsing: $0) } ?? Platform.host
        let image = try RunnableImage(layout: layout, selector: self.image.selector, platform: wanted)
        try ensureEmptyOrAbsent(directory)
        let staging = "\(directory).klein-\(UUID().uuidString).partial"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        do {
            var options = limits.options
            options.createDevices = devices
            let warnings = try image.unpack(into: staging, options: options)
            if FileManager.default.fileExists(atPath: directory) { try FileManager.default.removeItem(atPath: directory) }
            try FileManager.default.moveItem(atPath: staging, toPath: directory)
            warnings.forEach(warn)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
        print("unpacked \(image.manifest.layers.count) layers into \(directory)")
    }

    private func ensureEmptyOrAbsent(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        guard (try FileManager.default.contentsOfDirectory(atPath: path)).isEmpty else {
            throw CLIError("\(path) exists and is not empty")
        }
    }
}
