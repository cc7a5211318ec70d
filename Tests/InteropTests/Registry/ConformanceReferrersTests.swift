import Foundation
import Testing

/// distribution-spec 1.1, "Listing Referrers" (end-12a, end-12b).
///
/// Klein only: Distribution 2.8 predates distribution-spec 1.1 and has no referrers API
/// (`GET /v2/<name>/referrers/<digest>` answers a plain-text 404 from its router).
@Suite struct ConformanceReferrersTests {
    private static let sbomType = "application/vnd.example.sbom.v1+json"
    private static let signatureType = "application/vnd.example.signature.v1"
    private static let configOnlyType = "application/vnd.example.config.v1+json"

    /// `GET /v2/<name>/referrers/<digest>`: 200, an image index, its descriptors by digest.
    private static func referrers(
        _ registry: RegistryUnderTest, _ repository: String, _ digest: String, query: String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (byDigest: [String: [String: Any]], count: Int, response: RegistryHTTP.Response) {
        let response = try await registry.http.get("/v2/\(repository)/referrers/\(digest)\(query)", sourceLocation: sourceLocation)
        response.expectStatus(200, sourceLocation: sourceLocation)
        #expect(response.header("Content-Type") == TestContent.indexType, "\(response)", sourceLocation: sourceLocation)
        let index = try response.json(sourceLocation: sourceLocation)
        #expect(index["schemaVersion"] as? Int == 2, sourceLocation: sourceLocation)
        #expect(index["mediaType"] as? String == TestContent.indexType, sourceLocation: sourceLocation)
        let manifests = try #require(index["manifests"] as? [[String: Any]], "no manifests array: \(response)", sourceLocation: sourceLocation)
        var byDigest: [String: [String: Any]] = [:]
        for descriptor in manifests { byDigest[descriptor["digest"] as? String ?? ""] = descriptor }
        return (byDigest, manifests.count, response)
    }

    @Test("referrers: an index of descriptors with artifactType and annotations", arguments: [RegistryKind.klein])
    func listsReferrers(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let image = try await registry.http.pushImage(repository, tag: "v1")
            let sbom = try await registry.http.pushArtifact(
                repository, subject: image.manifest, artifactType: Self.sbomType,
                annotations: ["org.example.sbom.format": "json", "org.opencontainers.image.created": "2024-01-01T00:00:00Z"])
            let configOnly = try await registry.http.pushArtifact(
                repository, subject: image.manifest, artifactType: nil, configType: Self.configOnlyType)
            let indexReferrer = TestContent.index(manifests: [sbom], subject: image.manifest, annotations: ["org.example.kind": "bundle"])
            try await registry.http.pushManifest(repository, indexReferrer.digest, indexReferrer)
            _ = try await registry.http.pushImage(repository, tag: "unrelated")

            let (listed, count, _) = try await Self.referrers(registry, repository, image.manifest.digest)
            #expect(count == 3)
            #expect(Set(listed.keys) == [sbom.digest, configOnly.digest, indexReferrer.digest])

            let sbomEntry = try #require(listed[sbom.digest])
            #expect(sbomEntry["mediaType"] as? String == TestContent.manifestType)
            #expect(sbomEntry["size"] as? Int == sbom.size)
            #expect(sbomEntry["artifactType"] as? String == Self.sbomType)
            #expect(sbomEntry["annotations"] as? [String: String] == [
                "org.example.sbom.format": "json", "org.opencontainers.image.created": "2024-01-01T00:00:00Z",
            ])

            let configEntry = try #require(listed[configOnly.digest])
            #expect(configEntry["artifactType"] as? String == Self.configOnlyType, "artifactType falls back to config.mediaType")
            #expect(configEntry["size"] as? Int == configOnly.size)

            let indexEntry = try #require(listed[indexReferrer.digest])
            #expect(indexEntry["mediaType"] as? String == TestContent.indexType)
            #expect(indexEntry["artifactType"] == nil, "an index without artifactType has none")
            #expect(indexEntry["annotations"] as? [String: String] == ["org.example.kind": "bundle"])
        }
    }

    @Test("?artifactType= filters, with OCI-Filters-Applied: artifactType", arguments: [RegistryKind.klein])
    func filtersByArtifactType(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let image = try await registry.http.pushImage(repository)
            let sbom = try await registry.http.pushArtifact(repository, subject: image.manifest, artifactType: Self.sbomType)
            _ = try await registry.http.pushArtifact(repository, subject: image.manifest, artifactType: Self.signatureType)

            let filtered = try await Self.referrers(
                registry, repository, image.manifest.digest, query: "?artifactType=\(LocationQuery.encode(Self.sbomType))")
            #expect(Set(filtered.byDigest.keys) == [sbom.digest])
            #expect(filtered.response.header("OCI-Filters-Applied") == "artifactType")

            let none = try await Self.referrers(
                registry, repository, image.manifest.digest, query: "?artifactType=\(LocationQuery.encode("application/vnd.example.none"))")
            #expect(none.count == 0)
            #expect(none.response.header("OCI-Filters-Applied") == "artifactType")

            let unfiltered = try await Self.referrers(registry, repository, image.manifest.digest)
            #expect(unfiltered.count == 2)
            #expect(unfiltered.response.header("OCI-Filters-Applied") == nil)
        }
    }

    @Test("a subject with no referrers, or unknown: 200 and an empty index", arguments: [RegistryKind.klein])
    func unknownSubject(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let image = try await registry.http.pushImage(repository)
            #expect(try await Self.referrers(registry, repository, image.manifest.digest).count == 0)
            let absent = TestContent.imageManifest(config: TestContent.config(), layers: [])
            #expect(try await Self.referrers(registry, repository, absent.digest).count == 0)
            // "the registry MUST NOT return a 404 Not Found to a referrers API requests"
            #expect(try await Self.referrers(registry, TestContent.repository(), absent.digest).count == 0)
        }
    }

    @Test("a referrer pushed before its subject is listed", arguments: [RegistryKind.klein])
    func referrerBeforeSubject(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let config = TestContent.config(), layer = TestContent.randomLayer()
            let subject = TestContent.imageManifest(config: config, layers: [layer])
            let early = try await registry.http.pushArtifact(repository, subject: subject, artifactType: Self.signatureType)
            #expect(Set(try await Self.referrers(registry, repository, subject.digest).byDigest.keys) == [early.digest])

            for blob in [config, layer] { try await registry.http.pushBlob(repository, blob) }
            try await registry.http.pushManifest(repository, "late", subject)
            #expect(Set(try await Self.referrers(registry, repository, subject.digest).byDigest.keys) == [early.digest])
        }
    }

    @Test("referrers are listed only in their own repository", arguments: [RegistryKind.klein])
    func scopedToRepository(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let first = TestContent.repository(), second = TestContent.repository()
            let image = try await registry.http.pushImage(first)
            _ = try await registry.http.pushArtifact(second, subject: image.manifest, artifactType: Self.sbomType)
            #expect(try await Self.referrers(registry, first, image.manifest.digest).count == 0)
            #expect(try await Self.referrers(registry, second, image.manifest.digest).count == 1)
        }
    }

    @Test("a deleted referrer is no longer listed", arguments: [RegistryKind.klein])
    func deletedReferrer(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let image = try await registry.http.pushImage(repository)
            let sbom = try await registry.http.pushArtifact(repository, subject: image.manifest, artifactType: Self.sbomType)
            try await registry.http.send("DELETE", "/v2/\(repository)/manifests/\(sbom.digest)").expectStatus(202)
            #expect(try await Self.referrers(registry, repository, image.manifest.digest).count == 0)
        }
    }

    @Test("referrers of an invalid digest: 400", arguments: [RegistryKind.klein])
    func invalidDigest(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            _ = try await registry.http.pushImage(repository, tag: "v1")
            for digest in ["sha256:abc", "v1", "sha256:" + String(repeating: "z", count: 64)] {
                try await registry.http.get("/v2/\(repository)/referrers/\(digest)").expectStatus(400)
            }
        }
    }
}
