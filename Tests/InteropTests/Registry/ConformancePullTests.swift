import Foundation
import Testing

/// distribution-spec 1.1, "Pull" and "Determining Support": end-1, end-2 (blobs), end-3 (manifests).
@Suite struct ConformancePullTests {
    @Test("GET /v2/ answers 200", arguments: RegistryKind.allCases)
    func apiVersionCheck(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            try await registry.http.get("/v2/").expectStatus(200)
        }
    }

    @Test("blob GET and HEAD: 200, exact bytes, Content-Length, Docker-Content-Digest", arguments: RegistryKind.allCases)
    func blobGetAndHead(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let blob = TestContent.randomLayer(size: 3000)
            try await registry.http.pushBlob(repository, blob)

            let get = try await registry.http.get("/v2/\(repository)/blobs/\(blob.digest)")
            get.expectStatus(200)
            #expect(get.body == blob.data)
            #expect(get.header("Docker-Content-Digest") == blob.digest)
            #expect(get.header("Content-Length") == "\(blob.size)")

            let head = try await registry.http.head("/v2/\(repository)/blobs/\(blob.digest)")
            head.expectStatus(200)
            #expect(head.body.isEmpty)
            #expect(head.header("Docker-Content-Digest") == blob.digest)
            #expect(head.header("Content-Length") == "\(blob.size)")
        }
    }

    @Test("blob GET with Range: bytes=a-b answers 206 with Content-Range", arguments: RegistryKind.allCases)
    func blobRange(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let blob = TestContent.randomLayer(size: 3000)
            try await registry.http.pushBlob(repository, blob)

            let part = try await registry.http.get("/v2/\(repository)/blobs/\(blob.digest)", headers: ["Range": "bytes=100-1099"])
            part.expectStatus(206)
            #expect(part.header("Content-Range") == "bytes 100-1099/3000")
            #expect(part.header("Content-Length") == "1000")
            #expect(part.body == blob.data.subdata(in: 100..<1100))

            let tail = try await registry.http.get("/v2/\(repository)/blobs/\(blob.digest)", headers: ["Range": "bytes=2990-"])
            tail.expectStatus(206)
            #expect(tail.header("Content-Range") == "bytes 2990-2999/3000")
            #expect(tail.body == blob.data.subdata(in: 2990..<3000))
        }
    }

    @Test("unknown blob: 404 BLOB_UNKNOWN", arguments: RegistryKind.allCases)
    func unknownBlob(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            _ = try await registry.http.pushImage(repository, tag: "present")
            let missing = TestContent.randomLayer()
            try await registry.http.get("/v2/\(repository)/blobs/\(missing.digest)").expectError(status: 404, code: "BLOB_UNKNOWN")
            try await registry.http.head("/v2/\(repository)/blobs/\(missing.digest)").expectStatus(404)
        }
    }

    @Test("a blob pushed to one repository is not found in another", arguments: RegistryKind.allCases)
    func blobIsScopedToItsRepository(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let first = TestContent.repository(), second = TestContent.repository()
            let blob = TestContent.randomLayer()
            try await registry.http.pushBlob(first, blob)
            _ = try await registry.http.pushImage(second, tag: "present")
            try await registry.http.get("/v2/\(second)/blobs/\(blob.digest)").expectError(status: 404, code: "BLOB_UNKNOWN")
            try await registry.http.head("/v2/\(second)/blobs/\(blob.digest)").expectStatus(404)
        }
    }

    @Test("blob GET with an invalid digest: 400 DIGEST_INVALID, or 404", arguments: RegistryKind.allCases)
    func invalidBlobDigest(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            _ = try await registry.http.pushImage(repository, tag: "present")
            for digest in ["sha256:abc", "sha256:" + String(repeating: "z", count: 64), "sha256:" + String(repeating: "0", count: 63)] {
                let response = try await registry.http.get("/v2/\(repository)/blobs/\(digest)")
                #expect([400, 404].contains(response.status), "\(response)")
                if response.status == 400 { response.expectError(status: 400, code: "DIGEST_INVALID") }
            }
        }
    }

    @Test("manifest GET and HEAD by tag and by digest: exact bytes, Content-Type, Docker-Content-Digest, Content-Length",
          arguments: RegistryKind.allCases)
    func manifestByTagAndDigest(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let image = try await registry.http.pushImage(repository, tag: "v1", layers: 2)
            for reference in ["v1", image.manifest.digest] {
                let get = try await registry.http.get("/v2/\(repository)/manifests/\(reference)", accept: TestContent.accept)
                get.expectStatus(200)
                #expect(get.body == image.manifest.data, "\(reference)")
                #expect(get.header("Content-Type") == TestContent.manifestType, "\(reference)")
                #expect(get.header("Docker-Content-Digest") == image.manifest.digest, "\(reference)")
                #expect(get.header("Content-Length") == "\(image.manifest.size)", "\(reference)")

                let head = try await registry.http.head("/v2/\(repository)/manifests/\(reference)", accept: TestContent.accept)
                head.expectStatus(200)
                #expect(head.body.isEmpty)
                #expect(head.header("Content-Type") == TestContent.manifestType, "\(reference)")
                #expect(head.header("Docker-Content-Digest") == image.manifest.digest, "\(reference)")
                #expect(head.header("Content-Length") == "\(image.manifest.size)", "\(reference)")
            }
        }
    }

    @Test("an index is served with the index media type and its exact bytes", arguments: RegistryKind.allCases)
    func indexByTag(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let first = try await registry.http.pushImage(repository)
            let second = try await registry.http.pushImage(repository)
            let index = TestContent.index(manifests: [first.manifest, second.manifest])
            try await registry.http.pushManifest(repository, "multi", index)
            for reference in ["multi", index.digest] {
                let get = try await registry.http.get("/v2/\(repository)/manifests/\(reference)", accept: TestContent.accept)
                get.expectStatus(200)
                #expect(get.body == index.data)
                #expect(get.header("Content-Type") == TestContent.indexType)
                #expect(get.header("Docker-Content-Digest") == index.digest)
            }
        }
    }

    @Test("unknown manifest: 404 MANIFEST_UNKNOWN by tag and by digest", arguments: RegistryKind.allCases)
    func unknownManifest(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            _ = try await registry.http.pushImage(repository, tag: "present")
            let absent = TestContent.imageManifest(config: TestContent.config(), layers: [])
            for reference in ["absent", absent.digest] {
                let get = try await registry.http.get("/v2/\(repository)/manifests/\(reference)", accept: TestContent.accept)
                get.expectError(status: 404, code: "MANIFEST_UNKNOWN")
                try await registry.http.head("/v2/\(repository)/manifests/\(reference)", accept: TestContent.accept).expectStatus(404)
            }
        }
    }

    @Test("a manifest pushed to one repository is not found in another", arguments: RegistryKind.allCases)
    func manifestIsScopedToItsRepository(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let first = TestContent.repository(), second = TestContent.repository()
            let image = try await registry.http.pushImage(first, tag: "v1")
            _ = try await registry.http.pushImage(second, tag: "present")
            try await registry.http.get("/v2/\(second)/manifests/\(image.manifest.digest)", accept: TestContent.accept)
                .expectError(status: 404, code: "MANIFEST_UNKNOWN")
            try await registry.http.get("/v2/\(second)/manifests/v1", accept: TestContent.accept)
                .expectError(status: 404, code: "MANIFEST_UNKNOWN")
        }
    }

    @Test("a blob in a repository that does not exist: 404", arguments: RegistryKind.allCases)
    func blobInUnknownRepository(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let present = TestContent.repository()
            let blob = TestContent.randomLayer()
            try await registry.http.pushBlob(present, blob)
            try await registry.http.get("/v2/\(TestContent.repository())/blobs/\(blob.digest)")
                .expectError(status: [404], anyOf: ["BLOB_UNKNOWN", "NAME_UNKNOWN"])
        }
    }

    @Test("a manifest in a repository that does not exist: 404", arguments: RegistryKind.allCases)
    func manifestInUnknownRepository(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let get = try await registry.http.get("/v2/\(TestContent.repository())/manifests/latest", accept: TestContent.accept)
            get.expectError(status: [404], anyOf: ["NAME_UNKNOWN", "MANIFEST_UNKNOWN"])
        }
    }
}
