/// An image manifest (image-spec manifest.md), also used for artifacts; reads Docker schema 2 manifests too.
public struct ImageManifest: Hashable, JSONRepresentable {
    /// Always 2.
    public var schemaVersion: Int64
    /// `application/vnd.oci.image.manifest.v1+json`, a Docker schema-2 type, or nil when the document omits it.
    public var mediaType: MediaType?
    /// The type of an artifact (manifest.md, "artifactType"); required when `config` is the empty descriptor.
    public var artifactType: MediaType?
    /// The image configuration, or an artifact's config (often the empty descriptor).
    public var config: Descriptor
    /// The layers, base first, or an artifact's blobs.
    public var layers: [Descriptor]
    /// The manifest this one refers to (manifest.md, "subject"), making it a referrer.
    public var subject: Descriptor?
    /// Arbitrary metadata.
    public var annotations: [String: String]?
    /// Fields this version of Klein does not model, kept verbatim.
    public var unknownFields: [String: JSONValue]

    /// A manifest of `config` and `layers` with the given fields (schema version 2).
    public init(
        mediaType: MediaType? = .ociManifest, artifactType: MediaType? = nil, config: Descriptor, layers: [Descriptor],
        subject: Descriptor? = nil, annotations: [String: String]? = nil
    ) {
        self.schemaVersion = 2
        self.mediaType = mediaType
        self.artifactType = artifactType
        self.config = config
        self.layers = layers
        self.subject = subject
        self.annotations = annotations
        self.unknownFields = [:]
    }

    /// Decodes the JSON object at `path` (for error messages), keeping fields it does not model.
    public init(json: JSONValue, path: String) throws(OCIError) {
        var fields = try JSONFields(json, kind: "image manifest", path: path)
        (schemaVersion, mediaType) = try fields.documentHeader(accepting: \.isImageManifest, described: "an image manifest type")
        artifactType = try fields.mediaType("artifactType")
        guard let config = try fields.object("config", Descriptor.init(json:path:)) else {
            throw fields.error("config", "required field is missing")
        }
        self.config = config
        layers = try fields.array("layers", Descriptor.init(json:path:)) ?? []
        subject = try fields.object("subject", Descriptor.init(json:path:))
        annotations = try fields.stringMap("annotations")
        unknownFields = fields.remaining
    }

    /// The JSON object, unmodelled fields included.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder(preserving: unknownFields)
        object.set("schemaVersion", schemaVersion)
        object.set("mediaType", mediaType?.rawValue)
        object.set("artifactType", artifactType?.rawValue)
        object.set("config", config)
        object.set("layers", layers)
        object.set("subject", subject)
        object.set("annotations", annotations)
        return object.value
    }

    /// The artifact type a referrers listing reports: `artifactType`, else the config's media type
    /// (distribution-spec, "Listing Referrers").
    public var effectiveArtifactType: MediaType {
        artifactType ?? config.mediaType
    }

    /// Rules of manifest.md beyond structure: the empty config needs an `artifactType`.
    public func validate() throws(OCIError) {
        if config.mediaType == .ociEmpty && artifactType == nil {
            throw .invalidDocument(kind: "image manifest", path: "artifactType", reason: "required when config.mediaType is \(MediaType.ociEmpty)")
        }
    }
}
