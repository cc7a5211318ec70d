import KleinOCI

/// A validated build spec (`schema = 1`): what to build, from which pinned sources, into which image.
///
/// Every value is explicit after validation (defaults applied, the epoch and platform resolved), so
/// its canonical JSON, embedded in the image, is all a rebuild needs.
public struct BuildSpec: Sendable, Hashable {
    /// The only `schema` this version reads.
    public static let schema: Int64 = 1

    /// Image name part: lowercase letters, digits, `.`, `_`, `-`.
    public var id: String
    /// SemVer 2.0 version of what is built.
    public var version: String
    /// Seconds since 1970 used for every timestamp in the image (`SOURCE_DATE_EPOCH` overrides the spec).
    public var epoch: Int64
    /// The image built upon, pinned by digest.
    public var base: ImageSource?
    /// Compression of every layer and embedded source archive.
    public var compression: LayerCompression
    /// The image's platform: an artifact's `platform`, else the building host's; `nil` until the base
    /// image's own platform is read, when there is a base. The embedded spec always has it.
    public var platform: Platform?
    /// In image order; one is named `main`.
    public var artifacts: [Artifact]

    /// One artifact: a source, where it goes in the image, and what it sets in the image config.
    public struct Artifact: Sendable, Hashable {
        /// Unique in the spec; one artifact is `main`.
        public var name: String
        /// Where the bytes come from and what pins them.
        public var source: Source
        /// Absolute path in the image: the file for a single-file source, the directory for a tree.
        public var dest: String
        /// Permission bits of a single-file artifact (default 0644).
        public var mode: UInt32?
        /// Numeric owner of every entry of the artifact (default 0:0, or the package's own for `deb`).
        public var owner: Owner?
        /// The source need not be pinned; verify reports it as reference only.
        public var referenceOnly: Bool
        /// Image config values the artifact sets.
        public var settings: ImageSettings
    }

    /// A numeric owner, `uid:gid`.
    public struct Owner: Sendable, Hashable, CustomStringConvertible {
        /// The user id.
        public var uid: Int64
        /// The group id.
        public var gid: Int64
        /// `uid:gid`.
        public var description: String { "\(uid):\(gid)" }
    }

    /// Image config values an artifact sets (image-spec config.md, `config`); later artifacts override earlier ones.
    public struct ImageSettings: Sendable, Hashable {
        /// `Entrypoint`.
        public var entrypoint: [String]?
        /// `Cmd`.
        public var cmd: [String]?
        /// `KEY=value`, in order.
        public var env: [String]?
        /// `WorkingDir`.
        public var workdir: String?
        /// `User`.
        public var user: String?
        /// `Labels`, merged over earlier artifacts' labels.
        public var labels: [String: String]?
        /// `PORT/PROTO`, e.g. `8080/tcp`.
        public var exposedPorts: [String]?
        /// `StopSignal`.
        public var stopSignal: String?
        /// The platform the artifact is built for; it sets the image's.
        public var platform: Platform?

        /// No settings.
        public init() {}
    }

    /// Where an artifact's bytes come from, and what pins them.
    public enum Source: Sendable, Hashable {
        /// A file or directory relative to the spec's directory.
        case local(path: String)
        /// A tree at a commit (`ref` instead of `commit` only for reference-only artifacts).
        case git(url: String, commit: String?, ref: String?, path: String?)
        /// A single file fetched over HTTP(S), checked against `sha256`.
        case url(url: String, sha256: String?)
        /// A Debian package `name=version`, checked against the .deb's `sha256`; `file` is a .deb already at hand.
        case deb(name: String, version: String?, sha256: String?, file: String?)
        /// An OCI artifact whose titled layers become files (oras layout), or an image whose layers are flattened.
        case oci(ImageSource)

        /// The source's kind as the spec writes it: `local`, `git`, `url`, `deb`, `oci`.
        public var kind: String {
            switch self {
            case .local: "local"
            case .git: "git"
            case .url: "url"
            case .deb: "deb"
            case .oci: "oci"
            }
        }
    }
}

/// An image or artifact named by digest, in an OCI layout (`oci:PATH@sha256:…`, relative to the spec)
/// or a registry (`host/repo@sha256:…`).
public struct ImageSource: Sendable, Hashable, CustomStringConvertible {
    /// Where the image is.
    public enum Location: Sendable, Hashable {
        case layout(path: String)
        case registry(Reference)
    }

    /// Where the image is.
    public var location: Location
    /// `nil` only for reference-only artifacts.
    public var digest: Digest?
    /// As written in the spec.
    public var text: String

    /// The source as written in the spec.
    public var description: String { text }

    /// Parses `oci:PATH@DIGEST`, `oci:PATH:TAG`, `REF@DIGEST` or `REF:TAG`.
    init(parsing text: String) throws(OCIError) {
        self.text = text
        if text.hasPrefix("oci:") {
            let rest = String(text.dropFirst(4))
            if let at = rest.lastIndex(of: "@") {
                location = .layout(path: String(rest[..<at]))
                digest = try Digest(String(rest[rest.index(after: at)...]))
            } else {
                location = .layout(path: String(rest.split(separator: ":", maxSplits: 1).first ?? ""))
                digest = nil
            }
            return
        }
        let reference = try Reference(text)
        location = .registry(reference)
        digest = reference.digest
    }

    /// What to ask the endpoint for: the digest, else the tag or ref name.
    var selector: String {
        if let digest { return digest.description }
        switch location {
        case .registry(let reference): return reference.manifestReference
        case .layout:
            let rest = text.dropFirst(4)
            return rest.split(separator: ":", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        }
    }
}
