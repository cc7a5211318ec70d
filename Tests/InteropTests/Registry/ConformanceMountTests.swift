import Foundation
import Testing

/// distribution-spec 1.1, "Mounting a blob from another repository" (end-11).
@Suite struct ConformanceMountTests {
    @Test("mount from a repository holding the blob: 201 with a pullable Location", arguments: RegistryKind.allCases)
    func mountFromReadableRepository(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let source = TestContent.repository(), target = TestContent.repository()
            let blob = TestContent.randomLayer(size: 4000)
            try await registry.http.pushBlob(source, blob)

            let mount = try await registry.http.send(
                "POST", "/v2/\(target)/blobs/uploads/?mount=\(blob.digest)&from=\(source)", headers: ["Content-Length": "0"])
            mount.expectStatus(201)
            if let digest = mount.header("Docker-Content-Digest") { #expect(digest == blob.digest) }
            let pulled = try await registry.http.get(try mount.location())
            pulled.expectStatus(200)
            #expect(pulled.body == blob.data)

            let inTarget = try await registry.http.head("/v2/\(target)/blobs/\(blob.digest)")
            inTarget.expectStatus(200)
            #expect(inTarget.header("Content-Length") == "\(blob.size)")
        }
    }

    @Test("mount of a blob the registry does not hold: 202 with an upload session", arguments: RegistryKind.allCases)
    func mountOfUnknownBlobOpensASession(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let source = TestContent.repository(), target = TestContent.repository()
            _ = try await registry.http.pushImage(source, tag: "present")
            let blob = TestContent.randomLayer()

            let mount = try await registry.http.send(
                "POST", "/v2/\(target)/blobs/uploads/?mount=\(blob.digest)&from=\(source)", headers: ["Content-Length": "0"])
            mount.expectStatus(202)
            let put = try await registry.http.send(
                "PUT", LocationQuery.appending(try mount.location(), [("digest", blob.digest)]),
                headers: ["Content-Type": "application/octet-stream"], body: blob.data)
            put.expectStatus(201)
            try await registry.http.head("/v2/\(target)/blobs/\(blob.digest)").expectStatus(200)
        }
    }

    @Test("mount from a repository that does not exist: 202 with an upload session", arguments: RegistryKind.allCases)
    func mountFromMissingRepositoryOpensASession(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let target = TestContent.repository()
            let blob = TestContent.randomLayer()
            let mount = try await registry.http.send(
                "POST", "/v2/\(target)/blobs/uploads/?mount=\(blob.digest)&from=\(TestContent.repository())",
                headers: ["Content-Length": "0"])
            mount.expectStatus(202)
            _ = try mount.location()
            try await registry.http.head("/v2/\(target)/blobs/\(blob.digest)").expectStatus(404)
        }
    }
}
