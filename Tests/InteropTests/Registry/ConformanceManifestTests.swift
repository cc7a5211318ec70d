import Foundation
import Testing

/// distribution-spec 1.1, "Pushing Manifests" and "Pushing Manifests with Subject" (end-7).
@Suite struct ConformanceManifestTests {
    @Test("PUT by tag: 201, a pullable Location, Docker-Content-Digest", arguments: RegistryKind.allCases)
    func putByTag(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let config = TestContent.config(), layer = TestContent.randomLayer()
            for blob in [config, layer] { try await registry.http.pushBlob(repository, blob) }
            let manifest = TestContent.imageManifest(config: config, layers: [layer])

            let put = try await registry.http.putManifest(repository, "v1.0", manifest)
            put.expectStatus(201)
            #expect(put.header("Docker-Content-Digest") == manifest.digest)
            let pulled = try await registry.http.get(try put.location(), accept: TestContent.accept)
            pulled.expectStatus(200)
            #expect(pulled.body == manifest.data)
        }
    }

    @Test("PUT by digest: 201, a pullable Location, Docker-Content-Digest", arguments: RegistryKind.allCases)
    func putByDigest(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let config = TestContent.config()
            try await registry.http.pushBlob(repository, config)
            let manifest = TestContent.imageManifest(config: config, layers: [])

            let put = try await registry.http.putManifest(repository, manifest.digest, manifest)
            put.expectStatus(201)
            #expect(put.header("Docker-Content-Digest") == manifest.digest)
            let pulled = try await registry.http.get(try put.location(), accept: TestContent.accept)
            pulled.expectStatus(200)
            #expect(pulled.body == manifest.data)
        }
    }

    @Test("the registry stores the exact bytes pushed", arguments: RegistryKind.allCases)
    func exactBytes(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let config = TestContent.config()
            try await registry.http.pushBlob(repository, config)
            let text = """
                {
                   "schemaVersion" : 2,  "mediaType": "\(TestContent.manifestType)",
                  "layers": [ ],
                  "config": {"size": \(config.size), "digest": "\(config.digest)", "mediaType": "\(TestContent.configType)"},
                  "annotations": {"z": "last", "a": "caf\\u00e9 \u{2603}"}
                }

                """
            let manifest = TestBlob(Data(text.utf8), mediaType: TestContent.manifestType)
            try await registry.http.pushManifest(repository, "odd", manifest)
            let pulled = try await registry.http.get("/v2/\(repository)/manifests/odd", accept: TestContent.accept)
            #expect(pulled.body == manifest.data)
            #expect(pulled.header("Docker-Content-Digest") == manifest.digest)
        }
    }

    @Test("tags: 128 characters are accepted; 129, or a leading '-' or '.', are rejected", arguments: RegistryKind.allCases)
    func tagGrammar(kind: RegistryKind) async throws {
        // distribution-spec 1.1: a tag MUST be at most 128 characters and match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}.
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let image = try await registry.http.pushImage(repository)
            let longest = "T_" + String(repeating: "a.b-", count: 31) + "xy"
            #expect(longest.count == 128)
            try await registry.http.pushManifest(repository, longest, image.manifest)
            let pulled = try await registry.http.get("/v2/\(repository)/manifests/\(longest)", accept: TestContent.accept)
            #expect(pulled.body == image.manifest.data)
            for invalid in [longest + "z", "-leading", ".leading"] {
                let put = try await registry.http.putManifest(repository, invalid, image.manifest)
                #expect([400, 404].contains(put.status), "\(put)")
            }
        }
    }

    @Test("pushing a tag again moves it to the new manifest", arguments: RegistryKind.allCases)
    func retag(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let first = try await registry.http.pushImage(repository, tag: "moving")
            let second = try await registry.http.pushImage(repository, tag: "moving")
            let pulled = try await registry.http.get("/v2/\(repository)/manifests/moving", accept: TestContent.accept)
            #expect(pulled.body == second.manifest.data)
            let old = try await registry.http.get("/v2/\(repository)/manifests/\(first.manifest.digest)", accept: TestContent.accept)
            old.expectStatus(200)
        }
    }

    @Test("a manifest referencing a blob the repository lacks: 400 MANIFEST_BLOB_UNKNOWN", arguments: RegistryKind.allCases)
    func missingBlob(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let config = TestContent.config(), layer = TestContent.randomLayer()
            try await registry.http.pushBlob(repository, config)
            let missingLayer = TestContent.imageManifest(config: config, layers: [layer])
            try await registry.http.putManifest(repository, "missing-layer", missingLayer)
                .expectError(status: 400, code: "MANIFEST_BLOB_UNKNOWN")

            try await registry.http.pushBlob(repository, layer)
            let missingConfig = TestContent.imageManifest(config: TestContent.config(), layers: [layer])
            try await registry.http.putManifest(repository, "missing-config", missingConfig)
                .expectError(status: 400, code: "MANIFEST_BLOB_UNKNOWN")
            try await registry.http.get("/v2/\(repository)/manifests/missing-config", accept: TestContent.accept).expectStatus(404)
        }
    }

    @Test("an index whose child manifests are missing: 400 MANIFEST_BLOB_UNKNOWN", arguments: RegistryKind.allCases)
    func indexWithMissingChildren(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let present = try await registry.http.pushImage(repository)
            let absent = TestContent.imageManifest(config: TestContent.config(), layers: [])
            let index = TestContent.index(manifests: [present.manifest, absent])
            try await registry.http.putManifest(repository, "multi", index).expectError(status: 400, code: "MANIFEST_BLOB_UNKNOWN")
        }
    }

    @Test("a manifest that is not JSON: 400 MANIFEST_INVALID", arguments: RegistryKind.allCases)
    func invalidJSON(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            for text in ["not json", "{\"schemaVersion\": 2, \"mediaType\": ", ""] {
                let bad = TestBlob(Data(text.utf8), mediaType: TestContent.manifestType)
                try await registry.http.putManifest(repository, "bad", bad).expectError(status: 400, code: "MANIFEST_INVALID")
            }
        }
    }

    @Test("a digest in the URL that does not match the body: 400 DIGEST_INVALID", arguments: RegistryKind.allCases)
    func digestMismatch(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let config = TestContent.config()
            try await registry.http.pushBlob(repository, config)
            let manifest = TestContent.imageManifest(config: config, layers: [])
            let other = TestContent.imageManifest(config: TestContent.config(), layers: [])
            try await registry.http.putManifest(repository, other.digest, manifest).expectError(status: 400, code: "DIGEST_INVALID")
            try await registry.http.get("/v2/\(repository)/manifests/\(manifest.digest)", accept: TestContent.accept).expectStatus(404)
        }
    }

    @Test("a manifest whose subject does not exist yet is accepted", arguments: RegistryKind.allCases)
    func subjectMayBeMissing(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let subject = TestContent.imageManifest(config: TestContent.config(), layers: [])
            let artifact = try await registry.http.pushArtifact(repository, subject: subject, artifactType: "application/vnd.example.sig")
            try await registry.http.get("/v2/\(repository)/manifests/\(artifact.digest)", accept: TestContent.accept).expectStatus(200)
        }
    }

    @Test("a manifest with a subject: OCI-Subject names the subject's digest", arguments: [RegistryKind.klein])
    func ociSubjectHeader(kind: RegistryKind) async throws {
        // Distribution 2.8 has no referrers API, and only registries that support it MUST send OCI-Subject.
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let image = try await registry.http.pushImage(repository, tag: "v1")
            let plain = TestContent.imageManifest(config: image.config, layers: image.layers, annotations: ["v": "2"])
            #expect(try await registry.http.pushManifest(repository, "v2", plain).header("OCI-Subject") == nil)

            let config = TestContent.emptyConfig, layer = TestBlob(Data("sig".utf8), mediaType: "application/vnd.example.sig")
            for blob in [config, layer] { try await registry.http.pushBlob(repository, blob) }
            let artifact = TestContent.imageManifest(
                config: config, layers: [layer], subject: image.manifest, artifactType: "application/vnd.example.sig")
            for reference in [artifact.digest, "signature"] {
                let put = try await registry.http.putManifest(repository, reference, artifact)
                put.expectStatus(201)
                #expect(put.header("OCI-Subject") == image.manifest.digest, "\(put)")
            }
        }
    }

    @Test("a manifest of 4 MiB is accepted", arguments: RegistryKind.allCases)
    func fourMebibyteManifest(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let config = TestContent.config()
            try await registry.http.pushBlob(repository, config)
            let manifest = TestContent.manifest(ofSize: 4 << 20, config: config)
            #expect(manifest.size == 4 << 20)
            try await registry.http.pushManifest(repository, "large", manifest)
            #expect(try await registry.http.get("/v2/\(repository)/manifests/large", accept: TestContent.accept).body == manifest.data)
        }
    }

    @Test("a manifest over the default 4 MiB limit: 413", arguments: [RegistryKind.klein])
    func manifestOverDefaultLimit(kind: RegistryKind) async throws {
        // Distribution 2.8 answers 400 MANIFEST_INVALID ("http: request body too large"); 413 is a SHOULD.
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let config = TestContent.config()
            try await registry.http.pushBlob(repository, config)
            let manifest = TestContent.manifest(ofSize: (4 << 20) + 1, config: config)
            try await registry.http.putManifest(repository, "huge", manifest).expectStatus(413)
            try await registry.http.get("/v2/\(repository)/manifests/huge", accept: TestContent.accept).expectStatus(404)
        }
    }

    @Test("--max-manifest-size: at the limit 201, one byte over 413", arguments: [RegistryKind.klein])
    func configuredManifestLimit(kind: RegistryKind) async throws {
        // A Klein option (its minimum is the 4 MiB default); Distribution 2.8's limit is not configurable.
        let limit = (4 << 20) + 1024
        var options = RegistryUnderTest.Options()
        options.maxManifestSize = limit
        try await RegistryUnderTest.with(kind, options) { registry in
            let repository = TestContent.repository()
            let config = TestContent.config()
            try await registry.http.pushBlob(repository, config)
            try await registry.http.pushManifest(repository, "fits", TestContent.manifest(ofSize: limit, config: config))
            try await registry.http.putManifest(repository, "over", TestContent.manifest(ofSize: limit + 1, config: config)).expectStatus(413)
            try await registry.http.get("/v2/\(repository)/manifests/over", accept: TestContent.accept).expectStatus(404)
        }
    }
}
