/// A media type (RFC 6838), such as `application/vnd.oci.image.manifest.v1+json`.
public struct MediaType: RawRepresentable, Hashable, Sendable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The media type as written, e.g. `application/vnd.oci.image.manifest.v1+json`.
    public let rawValue: String

    /// The media type `rawValue`, unchecked.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The media type `value`, unchecked.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// Validates `type/subtype` against RFC 6838 section 4.2 restricted names; parameters are not allowed.
    public init(validating string: String) throws(OCIError) {
        let parts = string.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw .invalidMediaType(input: string, reason: "expected \"type/subtype\"")
        }
        for part in parts where !MediaType.isRestrictedName(part) {
            throw .invalidMediaType(input: string, reason: "\"\(part)\" must be 1-127 characters of [A-Za-z0-9!#$&^_.+-], starting with a letter or digit")
        }
        self.rawValue = string
    }

    /// The media type as written.
    public var description: String { rawValue }
    /// Orders media types by their text, for stable listings.
    public static func < (lhs: MediaType, rhs: MediaType) -> Bool { lhs.rawValue < rhs.rawValue }

    private static func isRestrictedName(_ name: Substring) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 127, isAlphanumeric(first) else { return false }
        return name.utf8.allSatisfy { isAlphanumeric($0) || "!#$&^_.+-".utf8.contains($0) }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }
}

// image-spec media-types.md
extension MediaType {
    /// A content descriptor.
    public static let ociDescriptor: MediaType = "application/vnd.oci.descriptor.v1+json"
    /// The `oci-layout` file of an image layout.
    public static let ociLayoutHeader: MediaType = "application/vnd.oci.layout.header.v1+json"
    /// An OCI image manifest.
    public static let ociManifest: MediaType = "application/vnd.oci.image.manifest.v1+json"
    /// An OCI image index.
    public static let ociIndex: MediaType = "application/vnd.oci.image.index.v1+json"
    /// An OCI image configuration.
    public static let ociConfig: MediaType = "application/vnd.oci.image.config.v1+json"
    /// An uncompressed tar layer.
    public static let ociLayer: MediaType = "application/vnd.oci.image.layer.v1.tar"
    /// A gzip-compressed tar layer.
    public static let ociLayerGzip: MediaType = "application/vnd.oci.image.layer.v1.tar+gzip"
    /// A zstd-compressed tar layer.
    public static let ociLayerZstd: MediaType = "application/vnd.oci.image.layer.v1.tar+zstd"
    /// An uncompressed tar layer that may not be pushed (deprecated in image-spec 1.1).
    public static let ociNondistributableLayer: MediaType = "application/vnd.oci.image.layer.nondistributable.v1.tar"
    /// A gzip-compressed non-distributable layer (deprecated in image-spec 1.1).
    public static let ociNondistributableLayerGzip: MediaType = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
    /// A zstd-compressed non-distributable layer (deprecated in image-spec 1.1).
    public static let ociNondistributableLayerZstd: MediaType = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
    /// The empty descriptor's type (manifest.md, "Guidance for an Empty Descriptor").
    public static let ociEmpty: MediaType = "application/vnd.oci.empty.v1+json"
}

// Docker Image Manifest V2, Schema 2, read and mapped to their OCI equivalents.
extension MediaType {
    /// A Docker image manifest, schema 2.
    public static let dockerManifest: MediaType = "application/vnd.docker.distribution.manifest.v2+json"
    /// A Docker manifest list.
    public static let dockerManifestList: MediaType = "application/vnd.docker.distribution.manifest.list.v2+json"
    /// A Docker image configuration.
    public static let dockerConfig: MediaType = "application/vnd.docker.container.image.v1+json"
    /// A Docker gzip-compressed layer.
    public static let dockerLayerGzip: MediaType = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    /// A Docker foreign (non-distributable) layer.
    public static let dockerForeignLayerGzip: MediaType = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
    /// Schema 1, obsolete and unsigned-unsafe: recognized only to be rejected by name.
    public static let dockerSchema1Manifest: MediaType = "application/vnd.docker.distribution.manifest.v1+json"
    /// A Docker schema 1 signed manifest: recognised only to refuse it.
    public static let dockerSchema1SignedManifest: MediaType = "application/vnd.docker.distribution.manifest.v1+prettyjws"

    /// True for image manifests (OCI or Docker schema 2).
    public var isImageManifest: Bool { self == .ociManifest || self == .dockerManifest }
    /// True for indexes (OCI index or Docker manifest list).
    public var isIndex: Bool { self == .ociIndex || self == .dockerManifestList }
    /// True for anything a registry serves from its manifests endpoint.
    public var isManifest: Bool { isImageManifest || isIndex }
    /// True for image configurations (OCI or Docker).
    public var isImageConfig: Bool { self == .ociConfig || self == .dockerConfig }
    /// True for filesystem layers of any compression (OCI or Docker).
    public var isLayer: Bool { MediaType.layerCompressions[self] != nil }

    /// The OCI type equivalent to a Docker schema-2 type, or `self`.
    public var ociEquivalent: MediaType {
        switch self {
        case .dockerManifest: .ociManifest
        case .dockerManifestList: .ociIndex
        case .dockerConfig: .ociConfig
        case .dockerLayerGzip: .ociLayerGzip
        case .dockerForeignLayerGzip: .ociNondistributableLayerGzip
        default: self
        }
    }

    /// How a layer of this type is compressed, or nil if this is not a layer type.
    public var layerCompression: LayerCompression? { MediaType.layerCompressions[self] }

    private static let layerCompressions: [MediaType: LayerCompression] = [
        .ociLayer: .none, .ociLayerGzip: .gzip, .ociLayerZstd: .zstd,
        .ociNondistributableLayer: .none, .ociNondistributableLayerGzip: .gzip, .ociNondistributableLayerZstd: .zstd,
        .dockerLayerGzip: .gzip, .dockerForeignLayerGzip: .gzip,
    ]
}

/// The compression of a layer blob.
public enum LayerCompression: String, Sendable, CaseIterable {
    case none, gzip, zstd
}

/// Artifact types from the OCI artifacts guidance and the ecosystem's registered types
/// (manifest.md, "Guidelines for Artifact Usage"), for `artifactType` and typed layers.
extension MediaType {
    /// A Helm chart's config.
    public static let helmChartConfig: MediaType = "application/vnd.cncf.helm.config.v1+json"
    /// A Helm chart's packaged content.
    public static let helmChartContent: MediaType = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
    /// A Helm chart's provenance file.
    public static let helmChartProvenance: MediaType = "application/vnd.cncf.helm.chart.provenance.v1.prov"
    /// A Singularity image's config.
    public static let sifConfig: MediaType = "application/vnd.sylabs.sif.config.v1+json"
    /// A Singularity image file.
    public static let sifLayer: MediaType = "application/vnd.sylabs.sif.layer.v1.sif"
    /// An SPDX SBOM in JSON.
    public static let spdxJSON: MediaType = "application/spdx+json"
    /// A CycloneDX SBOM in JSON.
    public static let cycloneDXJSON: MediaType = "application/vnd.cyclonedx+json"
    /// An in-toto attestation statement.
    public static let inTotoJSON: MediaType = "application/vnd.in-toto+json"
    /// A Sigstore signature bundle.
    public static let sigstoreBundle: MediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
    /// A Notary v2 signature.
    public static let notarySignature: MediaType = "application/vnd.cncf.notary.signature"
    /// A WebAssembly module's config.
    public static let wasmConfig: MediaType = "application/vnd.wasm.config.v0+json"
    /// A WebAssembly module.
    public static let wasmContent: MediaType = "application/vnd.wasm.content.layer.v1+wasm"
}
