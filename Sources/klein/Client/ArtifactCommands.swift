import ArgumentParser
import Foundation
import KleinClient
import KleinOCI
import KleinStore
import KleinSystem

struct ArtifactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifact",
        abstract: "Push, pull, attach and discover OCI artifacts (Helm charts, SBOMs, signatures, any files), as oras does.",
        subcommands: [ArtifactPush.self, ArtifactPull.self, ArtifactAttach.self, ArtifactDiscover.self]
    )
}

/// The files and metadata of an artifact, shared by `push` and `attach`.
struct ArtifactContentFlags: ParsableArguments {
    @Argument(help: "FILE or FILE:MEDIATYPE, one layer each (default type application/vnd.oci.image.layer.v1.tar).") var files: [String]
    @Option(help: "The manifest's artifactType, e.g. application/vnd.example.sbom.v1+json.") var artifactType: String
    @Option(name: .customLong("annotation"), help: "Manifest annotation KEY=VALUE (repeatable).") var annotations: [String] = []

    func validate() throws {
        _ = try MediaType(validating: artifactType)
        _ = try annotationMap()
        if files.isEmpty { throw ValidationError("name at least one FILE") }
    }

    func annotationMap() throws -> [String: String] { try parseAnnotations(annotations) }

    /// The staged artifact, its files hashed; `subject` makes it a referrer.
    func stage(subject: Descriptor?) throws -> StagedContent {
        let layers = try files.map { try Import.parseFile($0, defaultType: .ociLayer) }
        for file in layers where (try FileSystem.regularFileStatus(file.path)) == nil {
            throw CLIError("\(file.path): not a regular file")
        }
        return try StagedContent.artifact(files: layers, artifactType: try MediaType(validating: artifactType),
                                          annotations: try annotationMap(), subject: subject)
    }
}

struct ArtifactPush: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push files as an artifact: each file a layer titled with its name, the empty config, an artifactType.",
        discussion: """
        Examples:
          klein artifact push localhost:5000/charts/demo:1.0.0 demo-1.0.0.tgz:application/vnd.cncf.helm.chart.content.v1.tar+gzip \\
              --artifact-type application/vnd.cncf.helm.config.v1+json
          klein artifact push localhost:5000/app:sbom sbom.json:application/spdx+json --artifact-type application/spdx+json \\
              --subject sha256:4f1c…
        """
    )
    @Argument(help: "Destination: registry reference or oci:PATH[:REF].") var reference: ImageLocation
    @OptionGroup var content: ArtifactContentFlags
    @Option(help: "Digest of a manifest in the same repository this artifact refers to (makes it a referrer).") var subject: String?
    @OptionGroup var client: ClientFlags
    @OptionGroup var output: TransferOutputFlags

    func run() async throws {
        let subjectDigest = try subject.map { try Digest($0) }
        try await pushArtifact(content: content, to: reference, subject: subjectDigest, client: client, output: output)
    }
}

struct ArtifactAttach: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Attach files to an image or artifact as a referrer (its subject is REF's manifest).",
        discussion: """
        Registries without the referrers API get the referrers tag schema (sha256-<hex>) updated instead.
        Example:
          klein artifact attach localhost:5000/app:v1 sbom.spdx.json:application/spdx+json --artifact-type application/spdx+json
        """
    )
    @Argument(help: "The subject: registry reference or oci:PATH[:REF].") var reference: ImageLocation
    @OptionGroup var content: ArtifactContentFlags
    @OptionGroup var client: ClientFlags
    @OptionGroup var output: TransferOutputFlags

    func run() async throws {
        try await pushArtifact(content: content, to: reference, subject: nil, attach: true, client: client, output: output)
    }
}

/// Stages the files and copies the artifact to `destination`; with `attach`, REF names the subject and the
/// artifact is written by digest only.
func pushArtifact(content: ArtifactContentFlags, to destination: ImageLocation, subject: Digest?, attach: Bool = false,
                  client: ClientFlags, output: TransferOutputFlags) async throws {
    let display = ProgressDisplay(quiet: output.quiet, json: output.json)
    let written = try await withSession(client, registries: destination.registry.map { [$0] } ?? []) { session -> Descriptor in
        let (endpoint, reference) = try destination.destination(in: session)
        var subjectDescriptor: Descriptor?
        if attach {
            subjectDescriptor = try await endpoint.resolve(reference).descriptor
        } else if let subject {
            subjectDescriptor = try await endpoint.resolve(subject.description).descriptor
        }
        let staged = try content.stage(subject: subjectDescriptor)
        var copier = Copier(from: staged, to: endpoint)
        copier.parallelBlobs = client.jobs
        copier.observer = display.observer
        let tag: String? = attach ? nil : destination.tagForWriting
        return try await copier.copy(staged.manifest.descriptor.digest.description, tag: tag)
    }
    display.finish()
    if output.json {
        Output.printJSON(.object(["digest": .string(written.digest.description), "mediaType": .string(written.mediaType.rawValue),
                                  "size": .integer(written.size), "destination": .string(destination.description)]))
    } else {
        print(written.digest)
    }
}

extension ImageLocation {
    /// The repository or layout to write to (a layout is created when missing) and the reference in it.
    func destination(in session: RegistrySession) throws -> (any ContentSource & ContentDestination, String) {
        switch self {
        case .registry: return try source(in: session)
        case let .layout(target): return (try OCILayout.create(at: target.path), target.selector)
        }
    }

    /// The tag to write under: the reference's tag, `latest` for a bare registry name, none for a digest.
    var tagForWriting: String? {
        switch self {
        case let .registry(reference): reference.tag ?? (reference.digest == nil ? "latest" : nil)
        case let .layout(target): target.selector.isEmpty || (try? Digest(target.selector)) != nil ? nil : target.selector
        }
    }
}
