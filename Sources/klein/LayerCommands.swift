import ArgumentParser
import Foundation
import KleinArchive
import KleinOCI
import KleinStore

struct LayerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layer",
        abstract: "Create OCI layers deterministically, add them to images, and unpack raw layer files.",
        discussion: "Example:\n  klein layer create ./rootfs -o layer.tar.gz",
        subcommands: [LayerCreate.self, LayerAdd.self, LayerUnpack.self]
    )
}

/// Options shared by the commands that write layers.
struct LayerWritingOptions: ParsableArguments {
    @Option(help: "gzip, zstd or none.") var compression: LayerCompression = .gzip
    @Option(help: "Timestamp of every entry, in seconds since 1970 (default: $SOURCE_DATE_EPOCH or 0).") var epoch: Int64?
    @Flag(help: "Keep the tree's permission bits and owners instead of the derived 0644/0755 and root.") var preserve = false

    var writer: LayerWriter {
        let environment = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(Int64.init)
        return LayerWriter(compression: compression, epoch: epoch ?? environment ?? 0, preserveMetadata: preserve)
    }
}

extension LayerCompression: ExpressibleByArgument {}

struct LayerCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Write a directory tree as a layer file; prints its digest, diff_id and size.",
        discussion: """
        The same tree always gives the same bytes: sorted entries, fixed times, owners and modes \
        (see README, "Layers"). The file appears only once complete.
        Example:
          klein layer create ./rootfs -o layer.tar.zst --compression zstd --epoch 1700000000
        """
    )

    @Argument(help: "Directory to archive.") var directory: String
    @Option(name: .shortAndLong, help: "Output layer file.") var output: String
    @OptionGroup var options: LayerWritingOptions
    @OptionGroup var format: JSONOption

    func run() throws {
        let temporary = "\(output).klein-\(UUID().uuidString).partial"
        let result: LayerWriter.Result
        do {
            let sink = try FileSink(path: temporary, exclusive: true, syncOnFinish: true)
            result = try options.writer.write(directory: directory, to: sink)
            guard rename(temporary, output) == 0 else { throw ArchiveError.io(path: output, operation: "rename", errno: errno) }
        } catch {
            unlink(temporary)
            throw error
        }
        if format.json {
            Output.printJSON(.object([
                "digest": .string(result.digest.description), "diffID": .string(result.diffID.description),
                "size": .integer(result.size), "mediaType": .string(result.mediaType.rawValue),
            ]))
        } else {
            print("digest:    \(result.digest)\ndiff_id:   \(result.diffID)\nsize:      \(result.size)\nmediaType: \(result.mediaType)")
        }
    }
}

struct LayerUnpack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpack",
        abstract: "Apply raw layer files, in order, to a directory (whiteouts honoured, compression detected).",
        discussion: "Example:\n  klein layer unpack base.tar.gz app.tar.zst ./rootfs"
    )

    @Argument(help: "Layer files, lowest first, then the target directory.") var paths: [String]
    @Flag(help: "Create device nodes (root only).") var devices = false
    @OptionGroup var limits: UnpackLimits

    func validate() throws {
        if paths.count < 2 { throw ValidationError("name at least one layer file and the target directory") }
    }

    func run() throws {
        let target = paths.last!
        let made = !FileManager.default.fileExists(atPath: target)
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        var unpackOptions = limits.options
        unpackOptions.createDevices = devices
        do {
            let unpacker = try Unpacker(rootPath: target, options: unpackOptions)
            for (index, layer) in paths.dropLast().enumerated() {
                let source = try FileSource(path: layer)
                let size = (try FileManager.default.attributesOfItem(atPath: layer)[.size] as? NSNumber)?.int64Value
                try unpacker.apply(layer: source, index: index, compressedSize: size)
            }
            unpacker.warnings.forEach { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
        } catch {
            // A directory this command made holds nothing anyone asked for when it fails.
            if made { try? FileManager.default.removeItem(atPath: target) }
            throw error
        }
    }
}

