/// An image index (image-spec image-index.md); reads Docker manifest lists too.
public struct ImageIndex: Hashable, JSONRepresentable {
    /// Always 2.
    public var schemaVersion: Int64
    /// `application/vnd.oci.image.index.v1+json`, the Docker manifest list type, or nil when omitted.
    public var mediaType: MediaType?
    /// The type of an artifact index (image-index.md, "artifactType").
    public var artifactType: MediaType?
    /// The manifests the index lists, with their platforms.
    public var manifests: [Descriptor]
    /// The manifest this index refers to (image-index.md, "subject"), making it a referrer.
    public var subject: Descriptor?
    /// Arbitrary metadata.
    public var annotations: [String: String]?
    /// Fields this version of Klein does not model, kept verbatim.
    public var unknownFields: [String: JSONValue]

    /// An index of `manifests` with the given fields (schema version 2).
    public init(mediaType: MediaType? = .ociIndex, manifests: [Descriptor], artifactType: MediaType? = nil,
                subject: Descriptor? = nil, annotations: [String: String]? = nil) {
        self.schemaVersion = 2
        self.mediaType = mediaType
        self.artifactType = artifactType
        self.manifests = manifests
        self.subject = subject
        self.annotations = annotations
        self.unknownFields = [:]
    }

    /// Decodes the JSON object at `path` (for error messages), keeping fields it does not model.
    public init(json: JSONValue, path: String) throws(OCIError) {
        var fields = try JSONFields(json, kind: "image index", path: path)
        (schemaVersion, mediaType) = try fields.documentHeader(accepting: \.isIndex, described: "an index type")
        artifactType = try fields.mediaType("artifactType")
        guard let manifests = try fields.array("manifests", Descriptor.init(json:path:)) else {
            throw fields.error("manifests", "required field is missing")
        }
        self.manifests = manifests
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
        object.set("manifests", manifests)
        object.set("subject", subject)
        object.set("annotations", annotations)
        return object.value
    }
}
