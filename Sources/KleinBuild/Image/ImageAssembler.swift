import Foundation
import KleinArchive
import KleinOCI

/// The image a build starts from: its manifest and config as fetched (embedded verbatim in the build).
struct BaseImage {
    let manifestDescriptor: Descriptor
    let manifest: ImageManifest
    let configDescriptor: Descriptor
    let config: ImageConfiguration
}

/// One artifact's part of the image: its layer and the blobs that embed its source.
struct AssembledArtifact {
    let artifact: BuildSpec.Artifact
    let layer: LayerWriter.Result
    let sourceBlobs: [Descriptor]
}

/// The objects of a build and their descriptors, in the order `rebuild` compares them.
public struct BuiltImage: Sendable {
    /// The build's index.
    public let index: Descriptor
    /// The image manifest.
    public let image: Descriptor
    /// The image config.
    public let config: Descriptor
    /// Base layers first, then one per artifact.
    public let layers: [Descriptor]
    /// The build-sources manifest.
    public let sources: Descriptor
    /// The spec as embedded, with the platform resolved.
    public let spec: BuildSpec
}

/// Turns a spec, its base and its artifacts' layers into config, image manifest, build-sources
/// manifest and index, all canonical JSON; `store` receives each document's bytes.
struct ImageAssembler {
    let spec: BuildSpec
    let platform: Platform
    let base: BaseImage?

    func assemble(_ artifacts: [AssembledArtifact], store: ([UInt8]) throws(BuildError) -> Void) throws(BuildError) -> BuiltImage {
        var spec = spec
        spec.platform = platform
        let created = Self.timestamp(spec.epoch)

        var config = base?.config ?? ImageConfiguration(architecture: platform.architecture, os: platform.os, variant: platform.variant)
        config.created = created
        var execution = config.config ?? ImageConfiguration.ExecutionConfig()
        for part in artifacts { Self.apply(part.artifact.settings, to: &execution) }
        config.config = execution
        config.rootfs.diffIDs += artifacts.map(\.layer.diffID)
        config.history = (config.history ?? []) + artifacts.map { part in
            .init(created: created, createdBy: "klein build: artifact \(part.artifact.name) from \(part.artifact.source.uri)")
        }
        let configBytes = config.canonicalJSON
        try store(configBytes)

        let ownLayers = artifacts.map { Descriptor(mediaType: $0.layer.mediaType, digest: $0.layer.digest, size: $0.layer.size) }
        var annotations = [AnnotationKey.created: created, AnnotationKey.version: spec.version, AnnotationKey.title: spec.id]
        if let base, let name = spec.base {
            annotations[AnnotationKey.baseImageDigest] = base.manifestDescriptor.digest.description
            annotations[AnnotationKey.baseImageName] = name.text
        }
        let manifest = ImageManifest(
            config: Descriptor(mediaType: .ociConfig, bytes: configBytes),
            layers: (base?.manifest.layers ?? []) + ownLayers,
            annotations: annotations
        )
        let manifestBytes = manifest.canonicalJSON
        try store(manifestBytes)
        var imageDescriptor = Descriptor(mediaType: .ociManifest, bytes: manifestBytes)
        imageDescriptor.platform = platform

        let specBytes = spec.canonicalJSON
        try store(specBytes)
        var baseBlobs: [Descriptor] = []
        if let base {
            baseBlobs = [
                Self.annotated(base.manifestDescriptor, role: .baseManifest),
                Self.annotated(base.configDescriptor, role: .baseConfig),
            ]
        }
        let sources = ImageManifest(
            artifactType: BuildMediaTypes.sourcesArtifact,
            config: Descriptor(mediaType: BuildMediaTypes.spec, bytes: specBytes),
            layers: baseBlobs + artifacts.flatMap(\.sourceBlobs),
            annotations: [AnnotationKey.created: created]
        )
        let sourcesBytes = sources.canonicalJSON
        try store(sourcesBytes)
        var sourcesDescriptor = Descriptor(mediaType: .ociManifest, bytes: sourcesBytes)
        sourcesDescriptor.artifactType = BuildMediaTypes.sourcesArtifact
        sourcesDescriptor.platform = .unknown
        sourcesDescriptor.annotations = [
            BuildAnnotations.referenceType: BuildAnnotations.attestationManifest,
            BuildAnnotations.referenceDigest: imageDescriptor.digest.description,
        ]

        let index = ImageIndex(manifests: [imageDescriptor, sourcesDescriptor], annotations: annotations)
        let indexBytes = index.canonicalJSON
        try store(indexBytes)
        return BuiltImage(
            index: Descriptor(mediaType: .ociIndex, bytes: indexBytes), image: imageDescriptor,
            config: manifest.config, layers: manifest.layers, sources: sourcesDescriptor, spec: spec
        )
    }

    /// RFC 3339 in UTC, as image-spec config.md's `created` wants.
    static func timestamp(_ epoch: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(epoch)).formatted(.iso8601)
    }

    /// Later artifacts override earlier ones; `env` merges by name; setting an entrypoint clears an
    /// inherited `cmd` (as a Dockerfile's ENTRYPOINT does) unless the same artifact sets one.
    static func apply(_ settings: BuildSpec.ImageSettings, to config: inout ImageConfiguration.ExecutionConfig) {
        if let entrypoint = settings.entrypoint {
            config.entrypoint = entrypoint
            if settings.cmd == nil { config.cmd = nil }
        }
        if let cmd = settings.cmd { config.cmd = cmd }
        for variable in settings.env ?? [] {
            let name = variable.prefix { $0 != "=" }
            var env = config.env ?? []
            if let existing = env.firstIndex(where: { $0.prefix { $0 != "=" } == name }) { env[existing] = variable } else { env.append(variable) }
            config.env = env
        }
        if let workdir = settings.workdir { config.workingDir = workdir }
        if let user = settings.user { config.user = user }
        if let labels = settings.labels { config.labels = (config.labels ?? [:]).merging(labels) { $1 } }
        for port in settings.exposedPorts ?? [] { config.exposedPorts = (config.exposedPorts ?? [:]).merging([port: .object([:])]) { $1 } }
        if let signal = settings.stopSignal { config.stopSignal = signal }
    }

    static func annotated(_ descriptor: Descriptor, role: BuildAnnotations.Role) -> Descriptor {
        var descriptor = descriptor
        descriptor.annotations = [BuildAnnotations.role: role.rawValue]
        descriptor.platform = nil
        return descriptor
    }
}
