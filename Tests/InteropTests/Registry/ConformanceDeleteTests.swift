import Foundation
import Testing

/// distribution-spec 1.1, "Content Management": deleting tags and manifests (end-9) and blobs (end-10).
@Suite struct ConformanceDeleteTests {
    @Test("DELETE a manifest by digest: 202, then it and its tags are 404", arguments: RegistryKind.allCases)
    func deleteManifestByDigest(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let image = try await registry.http.pushImage(repository, tag: "doomed")
            let kept = try await registry.http.pushImage(repository, tag: "kept")
            try await registry.http.send("DELETE", "/v2/\(repository)/manifests/\(image.manifest.digest)").expectStatus(202)

            try await registry.http.get("/v2/\(repository)/manifests/\(image.manifest.digest)", accept: TestContent.accept)
                .expectError(status: 404, code: "MANIFEST_UNKNOWN")
            try await registry.http.head("/v2/\(repository)/manifests/\(image.manifest.digest)", accept: TestContent.accept).expectStatus(404)
            try await registry.http.get("/v2/\(repository)/manifests/doomed", accept: TestContent.accept)
                .expectError(status: 404, code: "MANIFEST_UNKNOWN")
            let survivor = try await registry.http.get("/v2/\(repository)/manifests/kept", accept: TestContent.accept)
            #expect(survivor.body == kept.manifest.data)
        }
    }

    @Test("DELETE a tag: 202, the tag is 404, the manifest stays", arguments: [RegistryKind.klein])
    func deleteTag(kind: RegistryKind) async throws {
        // Distribution 2.8 does not delete by tag (400 DIGEST_INVALID); the spec lets a registry refuse tag deletion with 400/405.
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let image = try await registry.http.pushImage(repository, tag: "doomed")
            try await registry.http.pushManifest(repository, "kept", image.manifest)
            try await registry.http.send("DELETE", "/v2/\(repository)/manifests/doomed").expectStatus(202)

            try await registry.http.get("/v2/\(repository)/manifests/doomed", accept: TestContent.accept)
                .expectError(status: 404, code: "MANIFEST_UNKNOWN")
            try await registry.http.get("/v2/\(repository)/manifests/kept", accept: TestContent.accept).expectStatus(200)
            try await registry.http.get("/v2/\(repository)/manifests/\(image.manifest.digest)", accept: TestContent.accept).expectStatus(200)
            let tags = try await registry.http.get("/v2/\(repository)/tags/list").json()["tags"] as? [String]
            #expect(tags == ["kept"])
        }
    }

    @Test("DELETE a blob: 202, then 404 BLOB_UNKNOWN", arguments: RegistryKind.allCases)
    func deleteBlob(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let blob = TestContent.randomLayer()
            try await registry.http.pushBlob(repository, blob)
            try await registry.http.send("DELETE", "/v2/\(repository)/blobs/\(blob.digest)").expectStatus(202)
            try await registry.http.get("/v2/\(repository)/blobs/\(blob.digest)").expectError(status: 404, code: "BLOB_UNKNOWN")
            try await registry.http.head("/v2/\(repository)/blobs/\(blob.digest)").expectStatus(404)
            try await registry.http.send("DELETE", "/v2/\(repository)/blobs/\(blob.digest)").expectError(status: 404, code: "BLOB_UNKNOWN")
        }
    }

    @Test("DELETE of an unknown manifest, or in an unknown repository: 404", arguments: RegistryKind.allCases)
    func deleteUnknownManifest(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            _ = try await registry.http.pushImage(repository, tag: "present")
            let absent = TestContent.imageManifest(config: TestContent.config(), layers: [])
            try await registry.http.send("DELETE", "/v2/\(repository)/manifests/\(absent.digest)")
                .expectError(status: 404, code: "MANIFEST_UNKNOWN")
            try await registry.http.send("DELETE", "/v2/\(TestContent.repository())/manifests/\(absent.digest)")
                .expectError(status: [404], anyOf: ["MANIFEST_UNKNOWN", "NAME_UNKNOWN"])
        }
    }

    @Test("deletion disabled: 405 UNSUPPORTED and nothing is deleted", arguments: RegistryKind.allCases)
    func deletesDisabled(kind: RegistryKind) async throws {
        var options = RegistryUnderTest.Options()
        options.deleteEnabled = false
        try await RegistryUnderTest.with(kind, options) { registry in
            let repository = TestContent.repository()
            let image = try await registry.http.pushImage(repository, tag: "kept")
            let blob = try #require(image.layers.first)
            for target in ["manifests/\(image.manifest.digest)", "manifests/kept", "blobs/\(blob.digest)"] {
                try await registry.http.send("DELETE", "/v2/\(repository)/\(target)").expectError(status: 405, code: "UNSUPPORTED")
            }
            try await registry.http.get("/v2/\(repository)/manifests/kept", accept: TestContent.accept).expectStatus(200)
            try await registry.http.head("/v2/\(repository)/blobs/\(blob.digest)").expectStatus(200)
        }
    }
}
