import KleinOCI

/// How a Klein build is laid out in its content address.
///
/// `klein build` writes an image index (the build's digest) with two manifests:
/// - the platform image manifest (config, base layers verbatim, one layer per artifact);
/// - the build-sources manifest: `artifactType` `application/vnd.klein.build.sources.v1`, config the
///   canonical build spec (`application/vnd.klein.build.spec.v1+json`), and as layers the raw bytes
///   of every artifact's source (a tree archive for local directories and git trees, the file for
///   local files and URLs, the .deb for packages, the manifest and blobs for OCI artifacts) plus the
///   base image's manifest and config. Its index entry has platform `unknown/unknown` and BuildKit's
///   attestation annotations (`vnd.docker.reference.type`, `vnd.docker.reference.digest`), so
///   runtimes and platform selection skip it, as they skip BuildKit's attestations.
public enum BuildMediaTypes {
    /// The `artifactType` of the build-sources manifest.
    public static let sourcesArtifact: MediaType = "application/vnd.klein.build.sources.v1"
    /// The media type of the embedded spec (the sources manifest's config).
    public static let spec: MediaType = "application/vnd.klein.build.spec.v1+json"
    /// A source file embedded as it is.
    public static let rawFile: MediaType = "application/octet-stream"
    /// A Debian package embedded as the .deb.
    public static let debianPackage: MediaType = "application/vnd.debian.binary-package"
    /// in-toto Statement v1 with a SLSA provenance v1 predicate, attached as a referrer.
    public static let provenance: MediaType = "application/vnd.in-toto+json"
}

/// Annotation keys on the build-sources manifest's layers and index entry.
public enum BuildAnnotations {
    /// The artifact a source blob belongs to.
    public static let artifact = "dev.klein.build.artifact"
    /// What a blob is: `source`, `oci-manifest`, `oci-blob`, `base-manifest`, `base-config`.
    public static let role = "dev.klein.build.role"
    /// BuildKit's marker of a manifest that describes another one in the same index.
    public static let referenceType = "vnd.docker.reference.type"
    /// BuildKit's annotation naming the manifest an attestation describes.
    public static let referenceDigest = "vnd.docker.reference.digest"
    /// The value of `referenceType` for an attestation manifest.
    public static let attestationManifest = "attestation-manifest"
    /// in-toto predicate type on the provenance layer.
    public static let predicateType = "in-toto.io/predicate-type"

    enum Role: String {
        case source, ociManifest = "oci-manifest", ociBlob = "oci-blob", baseManifest = "base-manifest", baseConfig = "base-config"
    }
}

extension Platform {
    /// The platform BuildKit gives manifests that no runtime should pick.
    static let unknown = Platform(os: "unknown", architecture: "unknown")
}
