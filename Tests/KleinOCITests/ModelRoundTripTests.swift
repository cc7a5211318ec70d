import Testing
@testable import KleinOCI

/// Decoding and re-encoding never drops or changes a field; canonical documents re-encode byte-for-byte.
@Suite struct ModelRoundTripTests {
    static let manifests = ["umoci-manifest.json", "docker-manifest.json", "oci-artifact-canonical.json"]
    static let indexes = ["umoci-index.json", "docker-manifest-list.json", "oci-index-extended.json"]
    static let configs = ["umoci-config.json", "docker-config.json"]

    private func expectLossless<T: JSONRepresentable & Equatable>(_ type: T.Type, _ name: String) throws {
        let original = try Fixtures.bytes(name)
        let decoded = try T(jsonBytes: original)
        let reencoded = decoded.canonicalJSON
        // Same JSON tree: no field dropped, added or altered, nulls and number literals included.
        #expect(try JSONParser.parse(reencoded) == (try JSONParser.parse(original)))
        // Canonical output is a fixed point.
        #expect(try T(jsonBytes: reencoded) == decoded)
        #expect(try T(jsonBytes: reencoded).canonicalJSON == reencoded)
    }

    @Test(arguments: manifests) func manifestsAreLossless(_ name: String) throws { try expectLossless(ImageManifest.self, name) }
    @Test(arguments: indexes) func indexesAreLossless(_ name: String) throws { try expectLossless(ImageIndex.self, name) }
    @Test(arguments: configs) func configsAreLossless(_ name: String) throws { try expectLossless(ImageConfiguration.self, name) }

    @Test func canonicalDocumentReencodesByteForByte() throws {
        let original = try Fixtures.bytes("oci-artifact-canonical.json")
        #expect(try ImageManifest(jsonBytes: original).canonicalJSON == original)
    }

    @Test func rawDigestIsOfTheReceivedBytes() throws {
        // umoci writes fields in Go struct order; the digest must be of those bytes, not of a re-encoding.
        let original = try Fixtures.bytes("umoci-manifest.json")
        let manifest = try ImageManifest(jsonBytes: original)
        #expect(manifest.canonicalJSON != original)
        #expect(Descriptor(mediaType: .ociManifest, bytes: original).digest == Digest.of(original))
    }

    @Test func readsEveryConfigField() throws {
        let config = try ImageConfiguration(jsonBytes: try Fixtures.bytes("umoci-config.json"))
        #expect(config.architecture == "arm64")
        #expect(config.author == "klein-tests")
        #expect(config.config?.user == "1000:1000")
        #expect(config.config?.entrypoint == ["/bin/sh"])
        #expect(config.config?.env == ["FOO=bar"])
        #expect(config.config?.exposedPorts?.keys.sorted() == ["8080/tcp"])
        #expect(config.config?.volumes?.keys.sorted() == ["/data"])
        #expect(config.config?.labels == ["com.example": "1"])
        #expect(config.rootfs.diffIDs.count == 1)
        #expect(config.history?.first?.emptyLayer == true)
        #expect(config.history?.first?.createdBy == "umoci config")
    }

    @Test func keepsExplicitNullsOfKnownFields() throws {
        let config = try ImageConfiguration(jsonBytes: try Fixtures.bytes("docker-config.json"))
        #expect(config.config?.entrypoint == nil)
        #expect(config.config?.unknownFields["Entrypoint"] == .null)
        #expect(config.unknownFields["docker_version"] == .string("20.10.23"))
        let text = String(decoding: config.canonicalJSON, as: UTF8.self)
        #expect(text.contains(#""Entrypoint":null"#))
        #expect(text.contains(#""Volumes":null"#))
    }

    @Test func readsOSVersionAndFeatures() throws {
        let index = try ImageIndex(jsonBytes: try Fixtures.bytes("oci-index-extended.json"))
        let windows = try #require(index.manifests[1].platform)
        #expect(windows.osVersion == "10.0.20348.2031")
        #expect(windows.osFeatures == ["win32k"])
        #expect(windows.unknownFields["features"] == .array([.string("sse4")]))
        #expect(index.unknownFields["x-vendor-extension"] != nil)
    }

    @Test func mapsDockerSchema2Types() throws {
        let manifest = try Manifest.parse(try Fixtures.bytes("docker-manifest.json"))
        guard case let .image(image) = manifest else { Issue.record("expected an image manifest"); return }
        #expect(manifest.mediaType == .dockerManifest)
        #expect(manifest.mediaType.ociEquivalent == .ociManifest)
        #expect(image.config.mediaType.ociEquivalent == .ociConfig)
        #expect(image.layers[0].mediaType.ociEquivalent == .ociLayerGzip)
        #expect(image.layers[0].mediaType.layerCompression == .gzip)
        let list = try Manifest.parse(try Fixtures.bytes("docker-manifest-list.json"))
        guard case let .index(index) = list else { Issue.record("expected an index"); return }
        #expect(list.mediaType.ociEquivalent == .ociIndex)
        #expect(index.manifests.count == 4)
    }

    @Test func rejectsSchema1AndMismatchedTypes() throws {
        let schema1 = #"{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[],"history":[]}"#
        #expect { try Manifest.parse(Array(schema1.utf8)) } throws: { "\($0)".contains("schema 1") }
        let manifest = try Fixtures.bytes("umoci-manifest.json")
        #expect { try Manifest.parse(manifest, declared: .ociIndex) } throws: { _ in true }
        let docker = try Fixtures.bytes("docker-manifest.json")
        #expect { try Manifest.parse(docker, declared: .ociManifest) } throws: { "\($0)".contains("declared") }
        let version3 = #"{"schemaVersion":3,"manifests":[]}"#
        #expect { try Manifest.parse(Array(version3.utf8)) } throws: { "\($0)".contains("must be 2") }
    }

    @Test func emptyDescriptorMatchesTheSpec() throws {
        let empty = Descriptor.empty
        #expect(empty.digest.description == "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
        #expect(empty.size == 2)
        #expect(empty.data == "e30=")
        #expect(try empty.embeddedData() == Array("{}".utf8))
        var forged = empty
        forged.data = "e30K"
        #expect(throws: OCIError.self) { try forged.embeddedData() }
    }

    @Test func artifactManifestNeedsArtifactTypeWithEmptyConfig() throws {
        var manifest = ImageManifest(config: .empty, layers: [])
        #expect(throws: OCIError.self) { try manifest.validate() }
        manifest.artifactType = .spdxJSON
        try manifest.validate()
        #expect(manifest.effectiveArtifactType == .spdxJSON)
        let helm = ImageManifest(config: Descriptor(mediaType: .helmChartConfig, bytes: Array("{}".utf8)), layers: [])
        #expect(Manifest.image(helm).artifactType == .helmChartConfig)
    }

    @Test(arguments: [
        ("application/vnd.oci.image.manifest.v1+json", true),
        ("application/vnd.cncf.helm.config.v1+json", true),
        ("text/plain", true),
        ("application", false),
        ("application/", false),
        ("/json", false),
        ("application/json; charset=utf-8", false),
        ("application/json/x", false),
        ("appl ication/json", false),
    ])
    func validatesMediaTypes(_ text: String, _ valid: Bool) {
        #expect(((try? MediaType(validating: text)) != nil) == valid)
    }
}
