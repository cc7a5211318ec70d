import ArgumentParser
import KleinOCI
import KleinStore

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store local files in a layout as an OCI artifact (any artifact type), like `oras push` to a layout.",
        discussion: """
        Each FILE becomes a layer titled with its file name, typed FILE:MEDIATYPE or \
        application/vnd.oci.image.layer.v1.tar by default. Without --config the config is the empty \
        descriptor and --artifact-type is required. The layout is created if needed.
        Examples:
          klein import ./charts:demo-1.0.0 demo-1.0.0.tgz:application/vnd.cncf.helm.chart.content.v1.tar+gzip \\
              --config chart-config.json:application/vnd.cncf.helm.config.v1+json
          klein import ./sboms:app-sbom sbom.spdx.json:application/spdx+json \\
              --artifact-type application/spdx+json --subject sha256:4f1c…
        """
    )

    @Argument(help: "Destination [oci:]PATH[:REF].") var target: LayoutTarget
    @Argument(help: "FILE or FILE:MEDIATYPE, one layer each.") var files: [String]
    @Option(help: "The manifest's artifactType.") var artifactType: String?
    @Option(help: "A config FILE:MEDIATYPE instead of the empty config.") var config: String?
    @Option(name: .customLong("annotation"), help: "Manifest annotation KEY=VALUE (repeatable).") var annotations: [String] = []
    @Option(help: "Digest of a manifest in the same layout this artifact refers to (makes it a referrer).") var subject: String?

    func run() throws {
        let layers = try files.map { try Import.parseFile($0, defaultType: .ociLayer) }
        let configFile = try config.map { try Import.parseFile($0, defaultType: nil) }
        let type = try artifactType.map { try MediaType(validating: $0) }
        let subjectDigest = try subject.map { try Digest($0) }
        let annotationMap = try parseAnnotations(annotations)
        let name = try target.refName()
        try OCILayout.validateArtifact(files: layers, artifactType: type, config: configFile, name: name)
        let layout = try OCILayout.create(at: target.path)
        let descriptor = try layout.importArtifact(
            files: layers, artifactType: type, config: configFile, annotations: annotationMap,
            subject: subjectDigest, name: name)
        print(descriptor.digest)
    }

    /// `FILE[:MEDIATYPE]`: the media type is the part after the last `:` when it is a valid media type.
    static func parseFile(_ argument: String, defaultType: MediaType?) throws -> OCILayout.ArtifactFile {
        if let colon = argument.lastIndex(of: ":"), argument[argument.index(after: colon)...].contains("/") {
            let type = try MediaType(validating: String(argument[argument.index(after: colon)...]))
            return OCILayout.ArtifactFile(path: String(argument[..<colon]), mediaType: type)
        }
        guard let defaultType else { throw ValidationError("\"\(argument)\" needs a media type: FILE:MEDIATYPE") }
        return OCILayout.ArtifactFile(path: argument, mediaType: defaultType)
    }
}
