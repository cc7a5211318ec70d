import Foundation
import Testing

/// distribution-spec 1.1, "Pushing a blob in chunks": `PATCH` with `Content-Range` (end-5), the closing
/// `PUT` (end-6), upload status (end-13), and cancelling an upload (historical detail.md, DELETE upload).
@Suite struct ConformanceChunkedTests {
    private static let octets = ["Content-Type": "application/octet-stream"]

    @Test("chunks with Content-Range: 202 with Location and Range 0-<end>; GET status 204; PUT closes", arguments: RegistryKind.allCases)
    func chunkedUpload(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let blob = TestContent.randomLayer(size: 3000)
            var location = try await registry.http.startUpload(repository)

            let first = try await registry.http.patchChunk(location, blob.data.subdata(in: 0..<1000), range: "0-999")
            first.expectStatus(202)
            #expect(first.header("Range") == "0-999", "\(first)")
            location = try first.location()

            let second = try await registry.http.patchChunk(location, blob.data.subdata(in: 1000..<2500), range: "1000-2499")
            second.expectStatus(202)
            #expect(second.header("Range") == "0-2499", "\(second)")
            location = try second.location()

            let status = try await registry.http.get(location)
            status.expectStatus(204)
            #expect(status.header("Range") == "0-2499", "\(status)")
            location = try status.location()

            let put = try await registry.http.send(
                "PUT", LocationQuery.appending(location, [("digest", blob.digest)]),
                headers: Self.octets.merging(["Content-Range": "2500-2999"]) { $1 }, body: blob.data.subdata(in: 2500..<3000))
            put.expectStatus(201)
            if let digest = put.header("Docker-Content-Digest") { #expect(digest == blob.digest) }
            let pulled = try await registry.http.get(try put.location())
            pulled.expectStatus(200)
            #expect(pulled.body == blob.data)
        }
    }

    @Test("a chunk out of order: 416, and the upload stays where it was", arguments: [RegistryKind.klein])
    func outOfOrderChunk(kind: RegistryKind) async throws {
        // Distribution 2.8 ignores Content-Range on PATCH and appends anyway (202), violating end-5's MUST 416.
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let blob = TestContent.randomLayer(size: 3000)
            let start = try await registry.http.startUpload(repository)
            let notAtZero = try await registry.http.patchChunk(start, blob.data.subdata(in: 500..<1000), range: "500-999")
            #expect(notAtZero.status == 416, "first chunk must begin at 0: \(notAtZero)")

            let first = try await registry.http.patchChunk(start, blob.data.subdata(in: 0..<1000), range: "0-999")
            first.expectStatus(202)
            let location = try first.location()

            let gap = try await registry.http.patchChunk(location, blob.data.subdata(in: 2000..<3000), range: "2000-2999")
            gap.expectStatus(416)
            let overlap = try await registry.http.patchChunk(location, blob.data.subdata(in: 500..<1500), range: "500-1499")
            overlap.expectStatus(416)

            let status = try await registry.http.get(location)
            status.expectStatus(204)
            #expect(status.header("Range") == "0-999", "\(status)")

            let rest = try await registry.http.patchChunk(try status.location(), blob.data.subdata(in: 1000..<3000), range: "1000-2999")
            rest.expectStatus(202)
            let put = try await registry.http.send("PUT", LocationQuery.appending(try rest.location(), [("digest", blob.digest)]))
            put.expectStatus(201)
        }
    }

    @Test("a chunked-coded body longer or shorter than its Content-Range: 416, and nothing of it is kept",
          arguments: [RegistryKind.klein])
    func chunkedBodyMustFillItsRange(kind: RegistryKind) async throws {
        // Distribution 2.8 ignores Content-Range on PATCH (see outOfOrderChunk).
        try await RegistryUnderTest.with(kind) { registry in
            let curl = CurlHTTP(base: registry.base)
            let chunked = ["Transfer-Encoding": "chunked", "Content-Type": "application/octet-stream"]
            let blob = TestContent.randomLayer(size: 300)
            let start = try await registry.http.startUpload(TestContent.repository())

            let longer = try curl.send("PATCH", start, headers: chunked.merging(["Content-Range": "0-9"]) { $1 },
                                       body: blob.data.subdata(in: 0..<100))
            longer.expectError(status: 416, code: "BLOB_UPLOAD_INVALID")
            let shorter = try curl.send("PATCH", start, headers: chunked.merging(["Content-Range": "0-199"]) { $1 },
                                        body: blob.data.subdata(in: 0..<100))
            shorter.expectError(status: 416, code: "BLOB_UPLOAD_INVALID")
            let status = try await registry.http.get(start)
            status.expectStatus(204)
            #expect(status.header("Range") == nil || status.header("Range") == "0-0", "nothing kept: \(status)")

            let exact = try curl.send("PATCH", start, headers: chunked.merging(["Content-Range": "0-99"]) { $1 },
                                      body: blob.data.subdata(in: 0..<100))
            exact.expectStatus(202)
            #expect(exact.header("Range") == "0-99", "\(exact)")
            let put = try curl.send("PUT", LocationQuery.appending(try exact.location(), [("digest", blob.digest)]),
                                    headers: chunked.merging(["Content-Range": "100-299"]) { $1 }, body: blob.data.subdata(in: 100..<300))
            put.expectStatus(201)
            let pulled = try await registry.http.get(try put.location())
            #expect(pulled.body == blob.data)
        }
    }

    @Test("the closing PUT with a wrong digest: 400 DIGEST_INVALID", arguments: RegistryKind.allCases)
    func chunkedWrongDigest(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let blob = TestContent.randomLayer(size: 2000), other = TestContent.randomLayer()
            let location = try await registry.http.startUpload(repository)
            let chunk = try await registry.http.patchChunk(location, blob.data, range: "0-1999")
            chunk.expectStatus(202)
            let put = try await registry.http.send("PUT", LocationQuery.appending(try chunk.location(), [("digest", other.digest)]))
            put.expectError(status: 400, code: "DIGEST_INVALID")
            try await registry.http.head("/v2/\(repository)/blobs/\(other.digest)").expectStatus(404)
        }
    }

    @Test("DELETE of an upload: 204, then the session is 404 BLOB_UPLOAD_UNKNOWN", arguments: RegistryKind.allCases)
    func cancelUpload(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let blob = TestContent.randomLayer(size: 1000)
            let start = try await registry.http.startUpload(repository)
            let chunk = try await registry.http.patchChunk(start, blob.data, range: "0-999")
            chunk.expectStatus(202)
            let location = try chunk.location()

            try await registry.http.send("DELETE", location).expectStatus(204)
            try await registry.http.get(location).expectError(status: 404, code: "BLOB_UPLOAD_UNKNOWN")
            try await registry.http.patchChunk(location, blob.data, range: "0-999").expectError(status: 404, code: "BLOB_UPLOAD_UNKNOWN")
            try await registry.http.send("PUT", LocationQuery.appending(location, [("digest", blob.digest)]))
                .expectError(status: 404, code: "BLOB_UPLOAD_UNKNOWN")
            try await registry.http.head("/v2/\(repository)/blobs/\(blob.digest)").expectStatus(404)
        }
    }

    @Test("a finished upload's session is 404 BLOB_UPLOAD_UNKNOWN", arguments: RegistryKind.allCases)
    func finishedSession(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let blob = TestContent.randomLayer(size: 1000)
            let location = try await registry.http.startUpload(repository)
            try await registry.http.send(
                "PUT", LocationQuery.appending(location, [("digest", blob.digest)]), headers: Self.octets, body: blob.data).expectStatus(201)
            try await registry.http.get(location).expectError(status: 404, code: "BLOB_UPLOAD_UNKNOWN")
            try await registry.http.patchChunk(location, blob.data, range: "0-999").expectError(status: 404, code: "BLOB_UPLOAD_UNKNOWN")
        }
    }

    @Test("an upload session the registry never issued: 404 BLOB_UPLOAD_UNKNOWN", arguments: [RegistryKind.klein])
    func unknownSession(kind: RegistryKind) async throws {
        // Distribution 2.8 cannot recognise a location it did not sign (`_state` token) and answers
        // 404 BLOB_UPLOAD_INVALID; `cancelUpload` checks BLOB_UPLOAD_UNKNOWN on both for a known-then-gone session.
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            let blob = TestContent.randomLayer(size: 100)
            _ = try await registry.http.startUpload(repository)
            let location = "/v2/\(repository)/blobs/uploads/\(UUID().uuidString.lowercased())"
            try await registry.http.get(location).expectError(status: 404, code: "BLOB_UPLOAD_UNKNOWN")
            try await registry.http.patchChunk(location, blob.data, range: "0-99").expectError(status: 404, code: "BLOB_UPLOAD_UNKNOWN")
            try await registry.http.send(
                "PUT", LocationQuery.appending(location, [("digest", blob.digest)]), headers: Self.octets, body: blob.data)
                .expectError(status: 404, code: "BLOB_UPLOAD_UNKNOWN")
            try await registry.http.send("DELETE", location).expectError(status: 404, code: "BLOB_UPLOAD_UNKNOWN")
        }
    }
}
