import ArgumentParser
import KleinClient
import KleinOCI
import KleinStore

struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a manifest or index from a registry or a layout: digest, type, config, layers, platforms, referrers.",
        discussion: """
        Examples:
          klein inspect localhost:5000/app:v1
          klein inspect localhost:5000/app:v1 --platform linux/arm64 --config
          klein inspect ./images:v1
          klein inspect oci:./images@sha256:4f1c… --json
          klein inspect ./images:v1 --raw > manifest.json
        """
    )

    @Argument(help: "A registry reference, or [oci:]PATH[:REF] / [oci:]PATH@DIGEST (REF may be omitted when the layout has one entry).")
    var target: ImageLocation
    @OptionGroup var format: JSONOption
    @Flag(help: "Print the manifest's exact bytes.") var raw = false
    @Flag(help: "Print the image config's exact bytes.") var config = false
    @Option(help: "From an index, inspect the manifest for this platform, os/arch[/variant].") var platform: String?
    @OptionGroup var client: ClientFlags

    func validate() throws {
        if [format.json, raw, config].filter({ $0 }).count > 1 { throw ValidationError("choose one of --json, --raw and --config") }
        if let platform { _ = try Platform(parsing: platform) }
    }

    func run() async throws {
        let (descriptor, bytes, manifest, configBytes, referrers) = try await withSession(client, registries: target.registry.map { [$0] } ?? []) { session in
            let (endpoint, reference) = try target.source(in: session)
            var fetched = try await endpoint.resolve(reference)
            if let platform, case let .index(index) = fetched.manifest {
                let wanted = try Platform(parsing: platform)
                guard let chosen = index.manifest(for: wanted) else {
                    throw CLIError("\(target) has no manifest for \(wanted) (it has: \(index.platformListing))")
                }
                fetched = try await endpoint.manifest(chosen)
            }
            var configBytes: [UInt8]?
            if case let .image(image) = fetched.manifest, image.config.mediaType.isImageConfig {
                configBytes = try await endpoint.smallBlob(image.config)
            }
            let referrers = raw || config ? [] : try await endpoint.referrers(of: fetched.descriptor.digest)
            return (fetched.descriptor, fetched.bytes, fetched.manifest, configBytes, referrers)
        }
        if raw { return Output.writeRaw(bytes) }
        if config {
            guard let configBytes else { throw CLIError("\(target) has no image config (it is an index or an artifact)") }
            return Output.writeRaw(configBytes)
        }
        if format.json {
            var document: [String: JSONValue] = [
                "digest": .string(descriptor.digest.description),
                "mediaType": .string(manifest.mediaType.rawValue),
                "size": .integer(Int64(bytes.count)),
                "manifest": try JSONParser.parse(bytes),
                "referrers": .array(referrers.map(\.jsonValue)),
            ]
            if let configBytes { document["config"] = try JSONParser.parse(configBytes) }
            return Output.printJSON(.object(document))
        }
        var lines = [
            "Digest:       \(descriptor.digest)",
            "MediaType:    \(manifest.mediaType)",
            "Size:         \(bytes.count) bytes",
        ]
        switch manifest {
        case let .image(image):
            lines += describe(image)
            if let configBytes {
                let configuration = try ImageConfiguration(jsonBytes: configBytes)
                lines += describe(configuration)
            }
        case let .index(index):
            if let artifactType = index.artifactType { lines.append("ArtifactType: \(artifactType)") }
            lines.append("Manifests:    \(index.manifests.count)")
            for entry in index.manifests {
                lines.append("  \(entry.digest)  \(entry.platform.map { "\($0)" } ?? "-")  \(entry.mediaType)  \(Output.bytes(entry.size))")
            }
        }
        if let subject = manifest.subject { lines.append("Subject:      \(subject.digest)") }
        lines += describeAnnotations(manifest.annotations)
        if !referrers.isEmpty {
            lines.append("Referrers:    \(referrers.count)")
            for referrer in referrers {
                lines.append("  \(referrer.digest)  \(referrer.artifactType.map { "\($0)" } ?? "\(referrer.mediaType)")")
            }
        }
        print(lines.joined(separator: "\n"))
    }

    private func describe(_ image: ImageManifest) -> [String] {
        var lines: [String] = []
        if let artifactType = image.artifactType { lines.append("ArtifactType: \(artifactType)") }
        lines.append("Config:       \(image.config.digest)  \(image.config.mediaType)  \(Output.bytes(image.config.size))")
        lines.append("Layers:       \(image.layers.count)")
        for layer in image.layers {
            let title = layer.annotations?[AnnotationKey.title].map { "  \($0)" } ?? ""
            lines.append("  \(layer.digest)  \(layer.mediaType)  \(Output.bytes(layer.size))\(title)")
        }
        return lines
    }

    private func describe(_ configuration: ImageConfiguration) -> [String] {
        var lines = ["Platform:     \(configuration.platform)"]
        if let created = configuration.created { lines.append("Created:      \(created)") }
        if let author = configuration.author { lines.append("Author:       \(author)") }
        if let execution = configuration.config {
            if let entrypoint = execution.entrypoint { lines.append("Entrypoint:   \(entrypoint)") }
            if let cmd = execution.cmd { lines.append("Cmd:          \(cmd)") }
            if let user = execution.user, !user.isEmpty { lines.append("User:         \(user)") }
            if let workingDir = execution.workingDir, !workingDir.isEmpty { lines.append("WorkingDir:   \(workingDir)") }
            for variable in execution.env ?? [] { lines.append("Env:          \(variable)") }
            if let ports = execution.exposedPorts, !ports.isEmpty { lines.append("Ports:        \(ports.keys.sorted().joined(separator: ", "))") }
        }
        lines.append("DiffIDs:      \(configuration.rootfs.diffIDs.count)")
        return lines
    }

    private func describeAnnotations(_ annotations: [String: String]?) -> [String] {
        guard let annotations, !annotations.isEmpty else { return [] }
        return ["Annotations:"] + annotations.keys.sorted().map { "  \($0): \(annotations[$0]!)" }
    }
}
