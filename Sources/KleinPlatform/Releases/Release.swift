import KleinOCI

/// A release: the immutable pair (image digest, platform-manifest content hash), with the app it
/// runs and where the image was found. Its identity is the digest of its OCI artifact manifest
/// (`artifact`), which both halves of the pair determine.
public struct Release: Sendable, Hashable {
    /// The `artifactType` of a release's OCI artifact manifest.
    public static let artifactType: MediaType = "application/vnd.klein.release.v1"
    /// The media type of the artifact's layer: the canonical platform manifest.
    public static let manifestMediaType: MediaType = "application/vnd.klein.platform.manifest.v1+json"
    /// Annotation naming the app on the release artifact.
    public static let appAnnotation = "dev.klein.release.app"

    /// The app the release runs (the platform manifest's `app`).
    public let app: String
    /// The reference the image was given by when the release was created (its tag, if any).
    public let imageReference: String
    /// The image manifest or index, pinned: an index stays pinned by the index digest.
    public let image: Descriptor
    /// The effective platform manifest's canonical JSON; its digest is the manifest hash.
    public let manifest: [UInt8]
    /// The platform manifest's TOML as written.
    public let manifestSource: String

    /// A release of `image` with the canonical platform manifest `manifest`; the image descriptor keeps only media type, digest and size.
    public init(app: String, imageReference: String, image: Descriptor, manifest: [UInt8], manifestSource: String) {
        self.app = app
        self.imageReference = imageReference
        self.image = Descriptor(mediaType: image.mediaType, digest: image.digest, size: image.size)
        self.manifest = manifest
        self.manifestSource = manifestSource
    }

    /// The platform manifest half of the release's identity: the digest of `manifest`.
    public var manifestHash: Digest { .of(manifest) }

    /// The release as an OCI artifact: the empty config, the canonical platform manifest as its one
    /// layer, and the image as `subject`, so registries list it among the image's referrers
    /// (image-spec manifest.md, "Guidelines for Artifact Usage" and "subject").
    public var artifact: ImageManifest {
        let layer = Descriptor(mediaType: Self.manifestMediaType, digest: manifestHash, size: Int64(manifest.count),
                               annotations: [AnnotationKey.title: "klein.platform.json"])
        return ImageManifest(artifactType: Self.artifactType, config: .empty, layers: [layer], subject: image,
                             annotations: [Self.appAnnotation: app])
    }

    /// The release's identity: the digest of `artifact`'s canonical JSON.
    public var id: Digest { .of(artifact.canonicalJSON) }

    /// The validated platform manifest this release runs with.
    public func platformManifest() throws(PlatformError) -> PlatformManifest {
        try PlatformManifest.validate(canonicalJSON: manifest, file: "release \(id)")
    }
}

extension Release {
    /// The payload of a `release.created` event.
    var payload: JSONValue {
        .object([
            "release": .string(id.description),
            "app": .string(app),
            "image": .object(["reference": .string(imageReference), "descriptor": image.jsonValue]),
            "manifest": .object([
                "hash": .string(manifestHash.description),
                "effective": (try? JSONParser.parse(manifest)) ?? .null,
                "source": .string(manifestSource),
            ]),
        ])
    }

    /// Reads a `release.created` payload back, checking that its recorded id and hash are what its content gives.
    init(payload: JSONValue, sequence: Int64) throws(PlatformError) {
        let fail = { (reason: String) in PlatformError.release("event \(sequence): a release.created event \(reason)") }
        guard let object = payload.objectValue, let app = object["app"]?.stringValue,
              let image = object["image"]?.objectValue, let reference = image["reference"]?.stringValue, let descriptorJSON = image["descriptor"],
              let manifest = object["manifest"]?.objectValue, let effective = manifest["effective"], let source = manifest["source"]?.stringValue,
              let recordedID = object["release"]?.stringValue else {
            throw fail("lacks app, image, manifest or release")
        }
        let descriptor: Descriptor
        do { descriptor = try Descriptor(json: descriptorJSON, path: "image.descriptor") } catch {
            throw .content(what: "event \(sequence): the image descriptor of a release.created event", error)
        }
        self.init(app: app, imageReference: reference, image: descriptor, manifest: effective.canonicalBytes, manifestSource: source)
        guard id.description == recordedID else { throw fail("records release \(recordedID), but its content gives \(id)") }
    }
}
