import KleinOCI

/// Where every part of a build comes from, read from the image alone: the spec's sources and the
/// digests of the bytes embedded for them.
public struct Traceability {
    /// How far a source can be trusted to give the same bytes again.
    public enum TraceClass: String, Sendable {
        /// Local files, embedded whole: the image regenerates them exactly.
        case perfectlyRegeneratable = "perfectly regeneratable"
        /// Pinned external content (git commit, package version + sha256, URL + sha256, image digest).
        case reputablyImmutable = "reputably immutable"
        /// Recorded but not pinned; its embedded copy is the only guarantee.
        case referenceOnly = "reference only"
    }

    /// One source of the build.
    public struct Entry: Sendable {
        /// The artifact it belongs to (`(base)` for the base image).
        public let artifact: String
        /// How far it can be trusted to give the same bytes again.
        public let traceClass: TraceClass
        /// The source's kind: `local`, `git`, `url`, `deb` or `oci` (the base is `oci`).
        public let kind: String
        /// Where the source is, as the spec writes it.
        public let source: String
        /// What pins it (a commit, a version and sha256, a digest); nil when nothing does.
        public let pin: String?
        /// The embedded bytes: the source blob (or the artifact's manifest for OCI sources).
        public let digest: Digest
    }

    /// The build traced.
    public let build: EmbeddedBuild

    /// The trace of `build`.
    public init(build: EmbeddedBuild) { self.build = build }

    /// The base first, then every artifact in spec order.
    public var entries: [Entry] {
        var entries: [Entry] = []
        if let base = build.spec.base, let manifest = build.blob(role: .baseManifest) {
            entries.append(Entry(artifact: "(base)", traceClass: .reputablyImmutable, kind: "oci", source: base.text, pin: base.digest?.description, digest: manifest.digest))
        }
        for artifact in build.spec.artifacts {
            let traceClass: TraceClass = switch artifact.source {
            case _ where artifact.referenceOnly: .referenceOnly
            case .local: .perfectlyRegeneratable
            default: .reputablyImmutable
            }
            let digest = build.blobs(of: artifact).first?.digest ?? build.sources.digest
            entries.append(Entry(artifact: artifact.name, traceClass: traceClass, kind: artifact.source.kind, source: artifact.source.uri, pin: artifact.source.pin, digest: digest))
        }
        return entries
    }
}
