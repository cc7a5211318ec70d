import Foundation
import Testing

/// Pushes racing each other, and upload sessions left to expire (issue: "Concurrency and crash safety").
@Suite struct RegistryConcurrencyTests {
    @Test func concurrentPushesOfTheSameBlobAndManifestAllSucceed() async throws {
        let scratch = try Scratch()
        let server = try KleinServe(scratch: scratch)
        defer { server.stop() }
        let http = server.http
        let config = TestContent.config()
        let layer = TestContent.randomLayer(size: 3 << 20)
        let manifest = TestContent.imageManifest(config: config, layers: [layer])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<8 {
                group.addTask {
                    // Half the pushers share a repository, the rest use their own; all write the same bytes.
                    let repository = index % 2 == 0 ? "race/shared" : "race/own\(index)"
                    try await http.pushBlob(repository, config)
                    try await http.pushBlob(repository, layer)
                    try await http.pushManifest(repository, "v1", manifest)
                }
            }
            try await group.waitForAll()
        }
        for repository in ["race/shared", "race/own1", "race/own7"] {
            let pulled = try await http.get("/v2/\(repository)/manifests/v1")
            #expect(pulled.status == 200 && pulled.body == manifest.data)
            #expect(try await http.get("/v2/\(repository)/blobs/\(layer.digest)").body == layer.data)
        }
        let blobs = try FileManager.default.contentsOfDirectory(atPath: "\(server.data)/blobs/sha256")
        #expect(blobs.count == 3, "config, layer and manifest are stored once for all repositories: \(blobs)")
        try Tools.klein("registry", "fsck", "--data", server.data)
    }

    @Test func aBurstOfLargeManifestPushesIsHeldWithinTheMemoryBound() async throws {
        let scratch = try Scratch()
        // glibc keeps freed heap for reuse and raises its mmap threshold after a large free, so the peak
        // resident set would count memory no request holds any more; a fixed threshold returns each
        // body's array to the system when it is freed, and the peak then measures what was held at once.
        let server = try KleinServe(scratch: scratch, environment: ["MALLOC_MMAP_THRESHOLD_": "131072"])
        defer { server.stop() }
        let before = try server.memoryKiB("VmHWM")
        // 64 clients at once, each sending a 4 MiB document (whitespace, then {}), which is read whole
        // before it is refused as an invalid manifest. Held all at once that is 256 MiB and more.
        let burst = """
            import http.client, sys, threading
            host, port = sys.argv[1].rsplit(":", 1)
            body = b" " * (4 * 1024 * 1024 - 2) + b"{}"
            codes = []
            def put(i):
                connection = http.client.HTTPConnection(host, int(port), timeout=120)
                connection.request("PUT", "/v2/burst/manifests/t%d" % i, body,
                                   {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
                codes.append(connection.getresponse().status)
            threads = [threading.Thread(target=put, args=(i,)) for i in range(64)]
            for thread in threads: thread.start()
            for thread in threads: thread.join()
            print(" ".join(sorted(set(map(str, codes)))), len(codes))
            """
        let answer = try Tools.peer("python3", "-c", burst, server.host).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(answer == "400 64", "every push was read and refused as invalid: \(answer)")
        let growth = try server.memoryKiB("VmHWM") - before
        #expect(growth < 160 << 10, "the server's peak resident set grew by \(growth) KiB during the burst")
    }

    @Test func idleUploadSessionsExpireButRecentOnesDoNot() async throws {
        let scratch = try Scratch()
        let server = try KleinServe(scratch: scratch)
        defer { server.stop() }
        let http = server.http
        let stale = try await http.startUpload("expire/blob")
        _ = try await http.patchChunk(stale, Data("stale".utf8), range: "0-4")
        // Last written two hours ago, as far as the file system knows.
        let session = String(stale.split(separator: "?")[0].split(separator: "/").last ?? "")
        try Tools.peer("touch", "-d", "2 hours ago", "\(server.data)/uploads/\(session)")
        let fresh = try await http.startUpload("expire/blob")
        let report = try Tools.klein("registry", "gc", "--data", server.data, "--upload-expiry", "1h", "--json")
        #expect(report.contains(#""expiredUploads":1"#), "\(report)")
        try await http.get(stale).expectError(status: 404, code: "BLOB_UPLOAD_UNKNOWN")
        #expect(try await http.get(fresh).status == 204)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(server.data)/uploads").count == 1)
    }
}
