/// Any document served by a registry's manifests endpoint: an image manifest or an index.
public enum Manifest: Hashable, Sendable {
    case image(ImageManifest)
    case index(ImageIndex)

    /// Parses manifest bytes. The type comes from `declared` (a descriptor's or `Content-Type`'s media type)
    /// when given, else from the document's own `mediaType`, else from its shape; a declared type and the
    /// document's own must agree (image-spec manifest.md, "mediaType").
    public static func parse(_ bytes: some Collection<UInt8>, declared: MediaType? = nil) throws(OCIError) -> Manifest {
        let json = try JSONParser.parse(bytes)
        guard case let .object(members) = json else {
            throw .invalidDocument(kind: "manifest", path: "", reason: "expected an object")
        }
        let embedded = members["mediaType"]?.stringValue.map(MediaType.init(rawValue:))
        if let declared, let embedded, declared != embedded {
            throw .invalidDocument(kind: "manifest", path: "mediaType", reason: "document says \"\(embedded)\" but it was declared as \"\(declared)\"")
        }
        let kind = declared ?? embedded ?? (members["manifests"] != nil ? .ociIndex : .ociManifest)
        if kind == .dockerSchema1Manifest || kind == .dockerSchema1SignedManifest || members["fsLayers"] != nil {
            throw .invalidDocument(kind: "manifest", path: "", reason: "Docker schema 1 manifests are not supported; convert the image to schema 2 or OCI")
        }
        if kind.isIndex { return .index(try ImageIndex(json: json, path: "")) }
        if kind.isImageManifest { return .image(try ImageManifest(json: json, path: "")) }
        throw .invalidDocument(kind: "manifest", path: "mediaType", reason: "\"\(kind)\" is not a manifest or index type")
    }

    /// The media type to declare for this document.
    public var mediaType: MediaType {
        switch self {
        case let .image(manifest): manifest.mediaType ?? .ociManifest
        case let .index(index): index.mediaType ?? .ociIndex
        }
    }

    /// The manifest or index this one refers to, if it is a referrer.
    public var subject: Descriptor? {
        switch self {
        case let .image(manifest): manifest.subject
        case let .index(index): index.subject
        }
    }

    /// The manifest's or index's annotations.
    public var annotations: [String: String]? {
        switch self {
        case let .image(manifest): manifest.annotations
        case let .index(index): index.annotations
        }
    }

    /// The artifact type a referrers listing reports for this document.
    public var artifactType: MediaType? {
        switch self {
        case let .image(manifest): manifest.effectiveArtifactType
        case let .index(index): index.artifactType
        }
    }

    /// Every blob or manifest this document points to (not its subject, which points the other way).
    public var children: [Descriptor] {
        switch self {
        case let .image(manifest): [manifest.config] + manifest.layers
        case let .index(index): index.manifests
        }
    }
}
