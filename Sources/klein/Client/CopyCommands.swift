import ArgumentParser
import Foundation
import KleinClient
import KleinOCI
import KleinStore
import KleinSystem

/// Output options of the transfer commands.
struct TransferOutputFlags: ParsableArguments {
    @Flag(name: [.short, .long], help: "Print only the digest.") var quiet = false
    @OptionGroup var format: JSONOption

    var json: Bool { format.json }

    func validate() throws {
        if quiet && json { throw ValidationError("choose one of --quiet and --json") }
    }
}

struct Copy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy an image, index or artifact between registries and OCI layouts, verifying every byte.",
        discussion: """
        SRC and DST are registry references (host/repo:tag, host/repo@sha256:…, optionally docker://) or \
        layouts (oci:PATH[:REF]). The tag is resolved once; manifests keep their exact bytes, so digests \
        are identical on both sides.
        Examples:
          klein copy localhost:5000/app:v1 oci:./images:app-v1
          klein copy oci:./images:app-v1 registry.example.com/team/app:v1 --referrers
          klein copy ghcr.io/org/tool:1.0 localhost:5000/tool:1.0 --platform linux/arm64/v8
        """
    )

    @Argument(help: "What to copy.") var source: ImageLocation
    @Argument(help: "Where to copy it.") var destination: ImageLocation
    @OptionGroup var transfer: TransferFlags
    @OptionGroup var client: ClientFlags
    @OptionGroup var output: TransferOutputFlags

    func run() async throws {
        try await runTransfer(from: source, to: destination, transfer: transfer, client: client, output: output)
    }
}

struct Pull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pull an image or artifact from a registry into an OCI layout.",
        discussion: """
        LAYOUT defaults to oci:./NAME:TAG, NAME being the repository's last component.
        Examples:
          klein pull localhost:5000/app:v1
          klein pull localhost:5000/app:v1 oci:./images:app --platform linux/amd64
        """
    )

    @Argument(help: "Registry reference.") var reference: ImageLocation
    @Argument(help: "Destination layout, [oci:]PATH[:REF].") var layout: LayoutTarget?
    @OptionGroup var transfer: TransferFlags
    @OptionGroup var client: ClientFlags
    @OptionGroup var output: TransferOutputFlags

    func run() async throws {
        let source = try registryReference(reference, for: "pull")
        let target = layout ?? LayoutTarget(argument: "./\(source.repository.split(separator: "/").last ?? "image")")!
        try await runTransfer(from: reference, to: .layout(target), transfer: transfer, client: client, output: output)
    }
}

struct Push: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Push an image or artifact from an OCI layout to a registry.",
        discussion: """
        Examples:
          klein push ./images:app-v1 localhost:5000/app:v1
          klein push oci:./images@sha256:4f1c… registry.example.com/app:v1 --referrers
        """
    )

    @Argument(help: "Source layout, [oci:]PATH[:REF] or [oci:]PATH@DIGEST.") var layout: LayoutTarget
    @Argument(help: "Registry reference.") var reference: ImageLocation
    @OptionGroup var transfer: TransferFlags
    @OptionGroup var client: ClientFlags
    @OptionGroup var output: TransferOutputFlags

    func run() async throws {
        _ = try registryReference(reference, for: "push")
        try await runTransfer(from: .layout(layout), to: reference, transfer: transfer, client: client, output: output)
    }
}

/// What to copy beyond the named manifest.
struct TransferFlags: ParsableArguments {
    @Option(help: "From an index, copy only the manifest for this platform, os/arch[/variant].") var platform: String?
    @Flag(help: "Copy every platform of an index (the default; conflicts with --platform).") var all = false
    @Flag(help: "Also copy the referrer graph: signatures, SBOMs, attestations and their referrers.") var referrers = false
    @Option(help: "Write the digest of what was written to this file.") var digestfile: String?

    func validate() throws {
        if all && platform != nil { throw ValidationError("--all and --platform exclude each other") }
        if let platform { _ = try Platform(parsing: platform) }
    }
}

/// The copy behind `copy`, `pull` and `push`.
func runTransfer(from source: ImageLocation, to destination: ImageLocation, transfer: TransferFlags,
                 client: ClientFlags, output: TransferOutputFlags) async throws {
    let display = ProgressDisplay(quiet: output.quiet, json: output.json)
    let registries = [source.registry, destination.registry].compactMap { $0 }
    let written = try await withSession(client, registries: registries) { session in
        let (from, reference) = try source.source(in: session)
        var createdLayout: String?
        let (to, tag): (any ContentDestination, String?)
        switch destination {
        case .registry:
            (to, tag) = (try destination.destination(in: session).0, destination.tagForWriting)
        case let .layout(target):
            if !FileSystem.exists(target.path) { createdLayout = target.path }
            var name = try target.refName()
            if target.selector.isEmpty, case let .registry(origin) = source { name = origin.tag }
            (to, tag) = (try OCILayout.create(at: target.path), name)
        }
        var copier = Copier(from: from, to: to)
        copier.platform = try transfer.platform.map { try Platform(parsing: $0) }
        copier.referrers = transfer.referrers
        copier.parallelBlobs = client.jobs
        copier.observer = display.observer
        do {
            let descriptor = try await copier.copy(reference, tag: tag)
            if case let .registry(target) = destination, let pinned = target.digest, pinned != descriptor.digest {
                throw CLIError("\(destination) pins \(pinned) but the content copied is \(descriptor.digest)")
            }
            return descriptor
        } catch {
            if let createdLayout { try? FileManager.default.removeItem(atPath: createdLayout) }
            throw error
        }
    }
    display.finish()
    if let digestfile = transfer.digestfile {
        try FileSystem.writeAtomically(Array("\(written.digest)\n".utf8), to: digestfile, scratch: FileSystem.parent(of: digestfile))
    }
    if output.json {
        let outcomes = display.outcomes
        Output.printJSON(.object([
            "digest": .string(written.digest.description), "mediaType": .string(written.mediaType.rawValue),
            "size": .integer(written.size), "source": .string(source.description), "destination": .string(destination.description),
            "blobs": .object(Dictionary(uniqueKeysWithValues: [BlobOutcome.copied, .existed, .mounted].map { ($0.rawValue, JSONValue.integer(Int64(outcomes[$0] ?? 0))) })),
            "bytes": .integer(display.bytesCopied),
        ]))
    } else {
        print(written.digest)
    }
}
