import ArgumentParser
import Foundation
import KleinClient
import KleinOCI
import KleinStore
import KleinSystem

struct ArtifactPull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Pull an artifact's files into a directory, named by their org.opencontainers.image.title.",
        discussion: """
        Every file is downloaded and verified before any is put in place. Titles that are absolute, contain \
        "..", or would pass through a symbolic link are refused; layers without a title are skipped.
        Example:
          klein artifact pull localhost:5000/charts/demo:1.0.0 -o ./charts
        """
    )
    @Argument(help: "Registry reference or oci:PATH[:REF].") var reference: ImageLocation
    @Option(name: [.customShort("o"), .customLong("output")], help: "Directory to write the files into (created if missing).") var directory = "."
    @OptionGroup var client: ClientFlags
    @OptionGroup var output: TransferOutputFlags

    func run() async throws {
        let display = ProgressDisplay(quiet: output.quiet, json: output.json)
        let created = !FileManager.default.fileExists(atPath: directory)
        try FileSystem.makeDirectories(directory)
        let staging = "\(directory)/.klein-pull-\(FileSystem.randomName())"
        defer { try? FileManager.default.removeItem(atPath: staging) }
        do {
            let (manifest, placed) = try await withSession(client, registries: reference.registry.map { [$0] } ?? []) { session in
                let (source, name) = try reference.source(in: session)
                let layout = try OCILayout.create(at: staging)
                var copier = Copier(from: source, to: layout)
                copier.parallelBlobs = client.jobs
                copier.observer = display.observer
                let root = try await copier.copy(name, tag: nil)
                let fetched = try await layout.manifest(root)
                guard case let .image(image) = fetched.manifest else {
                    throw CLIError("\(reference) is an index; pull one of its manifests (klein inspect lists them)")
                }
                let files = try ArtifactFiles.plan(image.layers)
                try ArtifactFiles.place(files, from: layout, into: directory)
                return (root, files.map(\.title))
            }
            display.finish()
            if output.json {
                Output.printJSON(.object(["digest": .string(manifest.digest.description), "files": .array(placed.map(JSONValue.string))]))
            } else if !output.quiet {
                placed.forEach { print("\(directory)/\($0)") }
            }
        } catch {
            if created { try? FileManager.default.removeItem(atPath: directory) }
            throw error
        }
    }
}

/// Where an artifact's layers go on disk, checked before anything is placed.
enum ArtifactFiles {
    struct File {
        let title: String
        let digest: Digest
    }

    /// The titled layers, with every title checked: relative, no `.`/`..`/empty components, no NUL, unique.
    static func plan(_ layers: [Descriptor]) throws -> [File] {
        // Titles are file names: compared as bytes, as the file system will.
        var seen = Set<[UInt8]>()
        return try layers.compactMap { layer in
            guard let title = layer.annotations?[AnnotationKey.title] else { return nil }
            guard !title.utf8.contains(0), !PathText.components(title).contains(where: PathText.isEmptyOrDot) else {
                throw CLIError("refusing layer \(layer.digest): its title \"\(title)\" would escape the output directory")
            }
            guard seen.insert(Array(title.utf8)).inserted else { throw CLIError("two layers are titled \"\(title)\"") }
            return File(title: title, digest: layer.digest)
        }
    }

    /// Moves verified blobs into place under `directory`, creating subdirectories and refusing any path
    /// component that is a symbolic link or not a directory.
    static func place(_ files: [File], from layout: OCILayout, into directory: String) throws {
        for file in files {
            var parent = directory
            for component in PathText.components(file.title).dropLast() {
                parent += "/\(component)"
                var status = stat()
                if lstat(parent, &status) == 0 {
                    guard status.st_mode & S_IFMT == S_IFDIR else {
                        throw CLIError("refusing \(file.title): \(parent) is not a directory (a symbolic link or a file)")
                    }
                } else {
                    try FileSystem.makeDirectory(parent)
                }
            }
            let target = "\(directory)/\(file.title)"
            var status = stat()
            if lstat(target, &status) == 0, status.st_mode & S_IFMT == S_IFLNK || status.st_mode & S_IFMT == S_IFDIR {
                throw CLIError("refusing to replace \(target): it is a symbolic link or a directory")
            }
            // The blob may back several titles; copy rather than move so each gets its bytes.
            try? FileManager.default.removeItem(atPath: target + ".klein-partial")
            try FileManager.default.copyItem(atPath: layout.blobs.path(for: file.digest), toPath: target + ".klein-partial")
            try FileSystem.rename(target + ".klein-partial", target)
        }
    }
}
