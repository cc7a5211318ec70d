import ArgumentParser
import Foundation
import KleinArchive
import KleinOCI
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

    func run() throws {
        let layout = try image.open()
        let wanted = try platform.map { try Platform(parsing: $0) } ?? Platform.host
        let (manifest, config) = try ImageResolver(layout: layout).image(image.selector, platform: wanted)
        try ensureEmptyOrAbsent(directory)
        let staging = "\(directory).klein-\(UUID().uuidString).partial"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        do {
            var options = UnpackOptions()
            options.createDevices = devices
            let unpacker = try Unpacker(rootPath: staging, options: options)
            for (index, layer) in manifest.layers.enumerated() {
                try unpacker.apply(layer: try FileSource(path: layout.blobs.path(for: layer.digest)), index: index,
                                   compression: layer.mediaType.layerCompression, expectedDigest: layer.digest,
                                   expectedDiffID: config.rootfs.diffIDs[index])
            }
            if FileManager.default.fileExists(atPath: directory) { try FileManager.default.removeItem(atPath: directory) }
            try FileManager.default.moveItem(atPath: staging, toPath: directory)
            unpacker.warnings.forEach { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
        print("unpacked \(manifest.layers.count) layers into \(directory)")
    }

    private func ensureEmptyOrAbsent(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        guard (try FileManager.default.contentsOfDirectory(atPath: path)).isEmpty else {
            throw CLIError("\(path) exists and is not empty")
        }
    }
}

/// Reads an image (manifest and config) from a layout, picking a platform from an index.
struct ImageResolver {
    let layout: OCILayout

    func image(_ selector: String, platform: Platform) throws -> (ImageManifest, ImageConfiguration) {
        var descriptor = try layout.resolve(selector)
        for _ in 0..<8 {
            switch try Manifest.parse(try layout.blobs.read(descriptor.digest), declared: descriptor.mediaType.isManifest ? descriptor.mediaType : nil) {
            case let .index(index):
                guard let chosen = index.manifest(for: platform) else {
                    let offered = index.manifests.compactMap { $0.platform?.description }.joined(separator: ", ")
                    throw CLIError("\(selector.isEmpty ? layout.path : selector) has no manifest for \(platform) (it has: \(offered))")
                }
                descriptor = chosen
            case let .image(manifest):
                guard manifest.config.mediaType.isImageConfig else {
                    throw CLIError("\(descriptor.digest) is an artifact (\(manifest.effectiveArtifactType)), not an image")
                }
                let config = try ImageConfiguration(jsonBytes: try layout.blobs.read(manifest.config.digest))
                guard config.rootfs.diffIDs.count == manifest.layers.count else {
                    throw CLIError("\(descriptor.digest): the config lists \(config.rootfs.diffIDs.count) diff_ids for \(manifest.layers.count) layers")
                }
                for (index, layer) in manifest.layers.enumerated() where layer.mediaType.layerCompression == nil {
                    throw CLIError("\(descriptor.digest): layer \(index) has media type \(layer.mediaType), not a layer type")
                }
                return (manifest, config)
            }
        }
        throw CLIError("\(selector): indexes nested more than 8 deep")
    }
}
