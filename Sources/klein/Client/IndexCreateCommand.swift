import ArgumentParser
import KleinClient
import KleinOCI
import KleinStore

struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Assemble multi-platform indexes.",
        subcommands: [IndexCreate.self]
    )
}

struct IndexCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an image index from per-platform manifests already in the same repository or layout.",
        discussion: """
        Each manifest's platform is read from its image config (os, architecture, variant, os.version, \
        os.features). The index is written under TARGET's tag.
        Examples:
          klein index create localhost:5000/app:v1 --manifest localhost:5000/app:v1-amd64 --manifest localhost:5000/app:v1-arm64
          klein index create oci:./images:app --manifest app-amd64 --manifest app-arm64
        """
    )
    @Argument(help: "Where to write the index: registry reference or oci:PATH:REF.") var target: ImageLocation
    @Option(help: "A manifest to include, by tag, digest or full reference in the same repository (repeatable).") var manifest: [String] = []
    @Option(name: .customLong("annotation"), help: "Index annotation KEY=VALUE (repeatable).") var annotations: [String] = []
    @OptionGroup var client: ClientFlags

    func run() async throws {
        guard !manifest.isEmpty else { throw ValidationError("name at least one --manifest") }
        let annotationMap = try parseAnnotations(annotations)
        let written = try await withSession(client, registries: target.registry.map { [$0] } ?? []) { session -> Digest in
            let (endpoint, _) = try target.destination(in: session)
            var entries: [Descriptor] = []
            for name in manifest {
                let fetched = try await endpoint.resolve(try localName(name))
                guard case let .image(image) = fetched.manifest else { throw CLIError("\(name) is an index; name per-platform manifests") }
                guard image.config.mediaType.isImageConfig else { throw CLIError("\(name) has no image config, so it has no platform") }
                let configuration = try ImageConfiguration(jsonBytes: try await endpoint.smallBlob(image.config))
                var entry = fetched.descriptor
                entry.artifactType = nil
                entry.platform = configuration.platform
                guard !entries.contains(where: { $0.platform == entry.platform }) else {
                    throw CLIError("two manifests are for \(configuration.platform)")
                }
                entries.append(entry)
            }
            let index = ImageIndex(manifests: entries, annotations: annotationMap.isEmpty ? nil : annotationMap)
            let bytes = index.canonicalJSON
            let descriptor = Descriptor(mediaType: .ociIndex, bytes: bytes)
            let written = FetchedManifest(bytes: bytes, descriptor: descriptor, manifest: .index(index))
            try await endpoint.whileWriting { () async throws(ClientError) in
                _ = try await endpoint.putManifest(written, tag: target.tagForWriting, listed: true)
            }
            return descriptor.digest
        }
        print(written)
    }

    /// A manifest named in the target's repository: a tag, a digest, or a full reference to the same repository.
    private func localName(_ name: String) throws -> String {
        guard case let .registry(destination) = target, name.contains("/") else { return name }
        let reference = try Reference(name)
        guard reference.name == destination.name else {
            throw ValidationError("--manifest \(name) is not in \(destination.name); copy it there first")
        }
        return reference.manifestReference
    }
}
