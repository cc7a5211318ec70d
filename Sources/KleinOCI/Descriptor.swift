import Foundation

/// A content descriptor (image-spec descriptor.md): what a blob is, its digest and size.
public struct Descriptor: Hashable, JSONRepresentable {
    /// The media type of the target.
    public var mediaType: MediaType
    /// The digest of the target's bytes.
    public var digest: Digest
    /// The target's size in bytes.
    public var size: Int64
    /// Other places the target can be downloaded from.
    public var urls: [String]?
    /// Arbitrary metadata.
    public var annotations: [String: String]?
    /// Base64 of the content itself (descriptor.md, "data"), for small blobs such as the empty config.
    public var data: String?
    /// The artifact type of the target, when it is an artifact (manifest.md, "artifactType").
    public var artifactType: MediaType?
    /// The platform of the target (image-index.md, "platform").
    public var platform: Platform?
    /// Fields this version of Klein does not model, kept verbatim.
    public var unknownFields: [String: JSONValue]

    /// A descriptor with the given fields; `unknownFields` starts empty.
    public init(
        mediaType: MediaType, digest: Digest, size: Int64, urls: [String]? = nil,
        annotations: [String: String]? = nil, data: String? = nil, artifactType: MediaType? = nil,
        platform: Platform? = nil
    ) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.urls = urls
        self.annotations = annotations
        self.data = data
        self.artifactType = artifactType
        self.platform = platform
        self.unknownFields = [:]
    }

    /// The descriptor of `bytes`, with the bytes embedded as `data` when `embed` is set.
    public init(mediaType: MediaType, bytes: some Collection<UInt8>, embed: Bool = false) {
        self.init(mediaType: mediaType, digest: .of(bytes), size: Int64(bytes.count))
        if embed { data = Data(bytes).base64EncodedString() }
    }

    /// The empty JSON object `{}` as a config or layer (manifest.md, "Guidance for an Empty Descriptor").
    public static let empty = Descriptor(mediaType: .ociEmpty, bytes: Array("{}".utf8), embed: true)

    /// Decodes the JSON object at `path` (for error messages), keeping fields it does not model.
    public init(json: JSONValue, path: String) throws(OCIError) {
        var fields = try JSONFields(json, kind: "descriptor", path: path)
        mediaType = MediaType(rawValue: try fields.requiredString("mediaType"))
        digest = try fields.digest("digest")
        size = try fields.requiredInt64("size")
        guard size >= 0 else { throw fields.error("size", "must not be negative") }
        urls = try fields.stringArray("urls")
        annotations = try fields.stringMap("annotations")
        data = try fields.string("data")
        artifactType = try fields.mediaType("artifactType")
        platform = try fields.object("platform") { (value, path) throws(OCIError) in try Platform(json: value, path: path) }
        unknownFields = fields.remaining
    }

    /// The JSON object, unmodelled fields included.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder(preserving: unknownFields)
        object.set("mediaType", mediaType.rawValue)
        object.set("digest", digest.description)
        object.set("size", size)
        object.set("urls", urls)
        object.set("annotations", annotations)
        object.set("data", data)
        object.set("artifactType", artifactType?.rawValue)
        object.set("platform", platform)
        return object.value
    }

    /// The embedded `data`, verified against `digest` and `size`; nil when there is none.
    public func embeddedData() throws(OCIError) -> [UInt8]? {
        guard let data else { return nil }
        guard let bytes = Data(base64Encoded: data) else {
            throw .invalidDocument(kind: "descriptor", path: "data", reason: "not valid base64")
        }
        let array = Array(bytes)
        let actual = Digest.of(array, algorithm: digest.algorithm)
        guard Int64(array.count) == size else { throw .sizeMismatch(expected: size, actual: Int64(array.count)) }
        guard actual == digest else { throw .digestMismatch(expected: digest, actual: actual) }
        return array
    }

    /// The `org.opencontainers.image.ref.name` annotation, as used in image layouts.
    public var refName: String? { annotations?[AnnotationKey.refName] }
}
