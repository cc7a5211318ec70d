import Foundation
import KleinOCI

/// Bytes with their digest and media type: a blob, or a manifest as pushed (exact bytes).
struct TestBlob: Sendable {
    let data: Data
    let digest: String
    let mediaType: String

    init(_ data: Data, mediaType: String = "application/octet-stream") {
        self.data = data
        self.digest = Digest.of(data).description
        self.mediaType = mediaType
    }

    var size: Int { data.count }

    /// An OCI descriptor (image-spec descriptor.md) of these bytes.
    var descriptor: [String: Any] { ["mediaType": mediaType, "digest": digest, "size": size] }
}

/// A pushed image: its config and layers (blobs) and its manifest.
struct TestImage: Sendable {
    let config: TestBlob
    let layers: [TestBlob]
    let manifest: TestBlob
}

/// Builders of test content: random layers, OCI image manifests, indexes and artifacts with a `subject`.
enum TestContent {
    static let manifestType = "application/vnd.oci.image.manifest.v1+json"
    static let indexType = "application/vnd.oci.image.index.v1+json"
    static let configType = "application/vnd.oci.image.config.v1+json"
    static let layerType = "application/vnd.oci.image.layer.v1.tar+gzip"
    static let emptyType = "application/vnd.oci.empty.v1+json"
    /// What the tests accept when pulling manifests (Distribution answers 404 to OCI manifests otherwise).
    static let accept = "\(manifestType), \(indexType)"

    /// image-spec manifest.md, "Guidance for an Empty Descriptor": the two bytes `{}`.
    static let emptyConfig = TestBlob(Data("{}".utf8), mediaType: emptyType)

    /// `count` random bytes, drawn eight at a time (megabytes for the client tests are quick).
    static func randomBytes(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        var words = [UInt64](repeating: 0, count: (count + 7) / 8)
        for index in words.indices { words[index] = generator.next() }
        return words.withUnsafeBytes { Data($0.prefix(count)) }
    }

    static func randomLayer(size: Int = 2048) -> TestBlob { TestBlob(randomBytes(size), mediaType: layerType) }

    /// A minimal, unique image configuration (image-spec config.md).
    static func config() -> TestBlob {
        let object: [String: Any] = [
            "architecture": "amd64", "os": "linux",
            "rootfs": ["type": "layers", "diff_ids": [String]()],
            "config": ["Labels": ["nonce": UUID().uuidString]],
        ]
        return TestBlob(json(object), mediaType: configType)
    }

    /// An OCI image manifest (image-spec manifest.md).
    static func imageManifest(
        config: TestBlob, layers: [TestBlob], subject: TestBlob? = nil,
        artifactType: String? = nil, annotations: [String: String]? = nil
    ) -> TestBlob {
        TestBlob(
            imageManifestJSON(config: config, layers: layers, subject: subject, artifactType: artifactType, annotations: annotations),
            mediaType: manifestType)
    }

    private static func imageManifestJSON(
        config: TestBlob, layers: [TestBlob], subject: TestBlob?, artifactType: String?, annotations: [String: String]?
    ) -> Data {
        var object: [String: Any] = [
            "schemaVersion": 2, "mediaType": manifestType,
            "config": config.descriptor, "layers": layers.map(\.descriptor),
        ]
        if let subject { object["subject"] = subject.descriptor }
        if let artifactType { object["artifactType"] = artifactType }
        if let annotations { object["annotations"] = annotations }
        return json(object)
    }

    /// An OCI image index (image-spec image-index.md).
    static func index(
        manifests: [TestBlob], subject: TestBlob? = nil,
        artifactType: String? = nil, annotations: [String: String]? = nil
    ) -> TestBlob {
        var object: [String: Any] = ["schemaVersion": 2, "mediaType": indexType, "manifests": manifests.map(\.descriptor)]
        if let subject { object["subject"] = subject.descriptor }
        if let artifactType { object["artifactType"] = artifactType }
        if let annotations { object["annotations"] = annotations }
        return TestBlob(json(object), mediaType: indexType)
    }

    /// A manifest of exactly `size` bytes, padded with an annotation.
    static func manifest(ofSize size: Int, config: TestBlob) -> TestBlob {
        let bare = imageManifestJSON(config: config, layers: [], subject: nil, artifactType: nil, annotations: ["pad": ""])
        let padding = String(repeating: "p", count: max(0, size - bare.count))
        return imageManifest(config: config, layers: [], annotations: ["pad": padding])
    }

    static func json(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    /// A repository name unique to one test.
    static func repository(_ prefix: String = "conformance") -> String {
        "\(prefix)/r\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))"
    }
}
