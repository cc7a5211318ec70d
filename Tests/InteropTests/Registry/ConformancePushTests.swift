import Foundation
import Testing

/// distribution-spec 1.1, "Pushing a blob monolithically" (end-4a, end-4b, end-6) and streamed `PATCH` (end-5).
@Suite struct ConformancePushTests {
    @Test("POST then PUT: 202 with a Location, then 201 with a pullable Location", arguments: RegistryKind.allCases)
    func monolithicPostThenPut(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let blob = TestContent.randomLayer(size: 5000)
            let post = try await registry.http.send("POST", "/v2/\(repository)/blobs/uploads/", headers: ["Content-Length": "0"])
            post.expectStatus(202)
            let location = try post.location()

            let put = try await registry.http.send(
                "PUT", LocationQuery.appending(location, [("digest", blob.digest)]),
                headers: ["Content-Type": "application/octet-stream"], body: blob.data)
            put.expectStatus(201)
            if let digest = put.header("Docker-Content-Digest") { #expect(digest == blob.digest) }
            let pulled = try await registry.http.get(try put.location())
            pulled.expectStatus(200)
            #expect(pulled.body == blob.data)
        }
    }

    @Test("each POST opens its own upload session", arguments: RegistryKind.allCases)
    func uploadSessionsAreUnique(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let first = try await registry.http.startUpload(repository)
            let second = try await registry.http.startUpload(repository)
            #expect(try registry.http.url(first).path != registry.http.url(second).path)
        }
    }

    @Test("single POST ?digest= answers 201 with a pullable Location", arguments: [RegistryKind.klein])
    func singlePostMonolithic(kind: RegistryKind) async throws {
        // Distribution 2.8 does not implement single-POST uploads; it answers 202 as the spec lets such
        // registries do ("Single POST"), which `singlePostFallsBackToAnUploadSession` covers for both.
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let blob = TestContent.randomLayer(size: 4096)
            let post = try await registry.http.postBlob(repository, blob)
            post.expectStatus(201)
            let pulled = try await registry.http.get(try post.location())
            pulled.expectStatus(200)
            #expect(pulled.body == blob.data)
        }
    }

    @Test("single POST ?digest=: 201, or 202 with a session the client completes with PUT", arguments: RegistryKind.allCases)
    func singlePostFallsBackToAnUploadSession(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let blob = TestContent.randomLayer(size: 4096)
            let post = try await registry.http.postBlob(repository, blob)
            #expect([201, 202].contains(post.status), "\(post)")
            if post.status == 202 {
                let put = try await registry.http.send(
                    "PUT", LocationQuery.appending(try post.location(), [("digest", blob.digest)]),
                    headers: ["Content-Type": "application/octet-stream"], body: blob.data)
                put.expectStatus(201)
            }
            let pulled = try await registry.http.get("/v2/\(repository)/blobs/\(blob.digest)")
            pulled.expectStatus(200)
            #expect(pulled.body == blob.data)
        }
    }

    @Test("single POST ?digest= with the wrong digest: 400 DIGEST_INVALID", arguments: [RegistryKind.klein])
    func singlePostWrongDigest(kind: RegistryKind) async throws {
        // Distribution 2.8 ignores `digest` on POST (no single-POST uploads), so it has nothing to verify.
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let blob = TestContent.randomLayer(), other = TestContent.randomLayer()
            let post = try await registry.http.send(
                "POST", "/v2/\(repository)/blobs/uploads/?digest=\(other.digest)",
                headers: ["Content-Type": "application/octet-stream"], body: blob.data)
            post.expectError(status: 400, code: "DIGEST_INVALID")
            try await registry.http.head("/v2/\(repository)/blobs/\(other.digest)").expectStatus(404)
        }
    }

    @Test("streamed PATCH without Content-Range, then PUT ?digest=", arguments: RegistryKind.allCases)
    func streamedPatch(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let blob = TestContent.randomLayer(size: 10_000)
            var location = try await registry.http.startUpload(repository)
            let halves = [blob.data.subdata(in: 0..<6000), blob.data.subdata(in: 6000..<10_000)]
            var end = -1
            for half in halves {
                let patch = try await registry.http.send(
                    "PATCH", location, headers: ["Content-Type": "application/octet-stream"], body: half)
                patch.expectStatus(202)
                end += half.count
                #expect(patch.header("Range") == "0-\(end)", "\(patch)")
                location = try patch.location()
            }
            let put = try await registry.http.send("PUT", LocationQuery.appending(location, [("digest", blob.digest)]))
            put.expectStatus(201)
            let pulled = try await registry.http.get(try put.location())
            #expect(pulled.body == blob.data)
        }
    }

    @Test("PATCH then a PUT that carries the final chunk", arguments: RegistryKind.allCases)
    func finalChunkInPut(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let blob = TestContent.randomLayer(size: 3000)
            let location = try await registry.http.startUpload(repository)
            let patch = try await registry.http.send(
                "PATCH", location, headers: ["Content-Type": "application/octet-stream"], body: blob.data.subdata(in: 0..<1000))
            patch.expectStatus(202)
            let put = try await registry.http.send(
                "PUT", LocationQuery.appending(try patch.location(), [("digest", blob.digest)]),
                headers: ["Content-Type": "application/octet-stream"], body: blob.data.subdata(in: 1000..<3000))
            put.expectStatus(201)
            let pulled = try await registry.http.get("/v2/\(repository)/blobs/\(blob.digest)")
            #expect(pulled.body == blob.data)
        }
    }

    @Test("the closing PUT without ?digest=: 400", arguments: RegistryKind.allCases)
    func putWithoutDigest(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let blob = TestContent.randomLayer()
            let location = try await registry.http.startUpload(repository)
            try await registry.http.send("PUT", location, headers: ["Content-Type": "application/octet-stream"], body: blob.data)
                .expectError(status: [400], anyOf: ["DIGEST_INVALID", "BLOB_UPLOAD_INVALID"])
            try await registry.http.head("/v2/\(repository)/blobs/\(blob.digest)").expectStatus(404)
        }
    }

    @Test("PUT with a digest that does not match the content: 400 DIGEST_INVALID", arguments: RegistryKind.allCases)
    func wrongDigestAtPut(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let blob = TestContent.randomLayer(), other = TestContent.randomLayer()
            let location = try await registry.http.startUpload(repository)
            let put = try await registry.http.send(
                "PUT", LocationQuery.appending(location, [("digest", other.digest)]),
                headers: ["Content-Type": "application/octet-stream"], body: blob.data)
            put.expectError(status: 400, code: "DIGEST_INVALID")
            try await registry.http.head("/v2/\(repository)/blobs/\(other.digest)").expectStatus(404)
            try await registry.http.head("/v2/\(repository)/blobs/\(blob.digest)").expectStatus(404)
        }
    }
}
