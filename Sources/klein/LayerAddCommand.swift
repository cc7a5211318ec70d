import ArgumentParser
import Foundation
import KleinArchive
import KleinBuild
import KleinOCI
import KleinStore

struct LayerAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Append a directory tree as a new layer to an image in a layout and re-tag it.",
        discussion: """
        Writes the layer straight into the layout's blob store, appends its diff_id and a history entry \
        to the config, writes the new config and manifest, and moves REF to the new manifest.
        Example:
          klein layer add ./images:app ./overlay --compression zstd
        """
    )

    @Argument(help: "The image, [oci:]PATH:REF.") var image: LayoutTarget
    @Argument(help: "Directory to add as the top layer.") var directory: String
    @OptionGroup var options: LayerWritingOptions

    func run() throws {
        guard let name = try image.refName() else { throw ValidationError("name the reference to update: PATH:REF") }
        let layout = try image.open()
        let entry = try layout.resolve(name)
        guard case var .image(manifest) = try Manifest.parse(try layout.blobs.read(entry.digest), declared: entry.mediaType),
              manifest.config.mediaType.isImageConfig else {
            throw CLIError("\(image) is not a single image manifest (for an index, add to each platform's image)")
        }
        var config = try ImageConfiguration(jsonBytes: try layout.blobs.read(manifest.config.digest))
        let writer = options.writer
        let descriptor = try layout.withWriteAccess {
            let layer = try layout.blobs.storeLayer { sink in try writer.write(directory: directory, to: sink) }
            manifest.layers.append(Descriptor(mediaType: layer.mediaType, digest: layer.digest, size: layer.size))
            config.rootfs.diffIDs.append(layer.diffID)
            let created = Date(timeIntervalSince1970: TimeInterval(writer.epoch)).formatted(.iso8601)
            config.history = (config.history ?? []) + [.init(created: created, createdBy: "klein layer add")]
            let configBytes = config.canonicalJSON
            try layout.blobs.write(configBytes)
            manifest.config = Descriptor(mediaType: manifest.config.mediaType, bytes: configBytes)
            let manifestBytes = manifest.canonicalJSON
            try layout.blobs.write(manifestBytes)
            var descriptor = Descriptor(mediaType: manifest.mediaType ?? .ociManifest, bytes: manifestBytes)
            descriptor.platform = config.platform
            try layout.addEntry(descriptor, name: name)
            return descriptor
        }
        print(descriptor.digest)
    }
}
