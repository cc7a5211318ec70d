import Foundation
import Testing

/// `kill -9` of the server in the middle of uploads: what was acknowledged with 201 survives, nothing
/// partial becomes visible, and pushing again works (issue: "Concurrency and crash safety").
@Suite struct RegistryCrashTests {
    @Test func killedDuringUploadsLosesNothingAcknowledged() async throws {
        let scratch = try Scratch()
        let small = "\(scratch.path)/small"
        try Tools.klein("layout", "init", small)
        try ImageFixture.build(in: scratch, layout: small, ref: "v1")
        let debian = try RegistryFixtures.debianLayout(in: scratch)
        let data = "\(scratch.path)/data"

        var server = try KleinServe(scratch: scratch, data: data)
        try Tools.peer("skopeo", "copy", "--dest-tls-verify=false", "oci:\(small):v1", "docker://\(server.host)/safe/small:v1")
        // A large upload streaming slowly, and a whole image push, both cut off by SIGKILL. curl, not RegistryHTTP,
        // streams the upload at a limited rate from the file, so the server is killed with it half received.
        let big = "\(scratch.path)/big.bin"
        try Tools.peer("dd", "if=/dev/urandom", "of=\(big)", "bs=1M", "count=64", "status=none")
        let bigBlob = TestBlob(try Data(contentsOf: URL(fileURLWithPath: big)))
        let slow = try Tools.start("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "--limit-rate", "8M", "-H", "Content-Type: application/octet-stream",
                                            "--data-binary", "@\(big)", "http://\(server.host)/v2/safe/big/blobs/uploads/?digest=\(bigBlob.digest)"])
        let push = try Tools.start("skopeo", ["copy", "--dest-tls-verify=false", "oci:\(debian):debian",
                                              "docker://\(server.host)/safe/debian:v1"])
        // Kill once the slow upload is well under way (it needs about 8 s in all); the push may or may not be done.
        let deadline = Date().addingTimeInterval(20)
        while RegistryFixtures.bytesInUploads(data: data) < 8 << 20, Date() < deadline { usleep(50_000) }
        server.crash()
        slow.process.waitUntilExit()
        push.process.waitUntilExit()
        #expect(slow.finish().stdout != "201", "the slow upload was cut off before it was acknowledged")
        _ = push.finish()

        // Restart: consistent, the acknowledged image intact, the cut-off blob invisible, pushes work again.
        server = try KleinServe(scratch: scratch, data: data)
        defer { server.stop() }
        try Tools.klein("registry", "fsck", "--data", data)
        try await server.http.head("/v2/safe/big/blobs/\(bigBlob.digest)").expectStatus(404)
        try Tools.peer("skopeo", "copy", "--src-tls-verify=false", "docker://\(server.host)/safe/small:v1", "oci:\(scratch.path)/back:v1")
        #expect(try RegistryFixtures.manifestDigest(layout: "\(scratch.path)/back", ref: "v1")
            == RegistryFixtures.manifestDigest(layout: small, ref: "v1"))
        try Tools.peer("skopeo", "copy", "--dest-tls-verify=false", "oci:\(debian):debian", "docker://\(server.host)/safe/debian:v1")
        try Tools.peer("skopeo", "copy", "--src-tls-verify=false", "docker://\(server.host)/safe/debian:v1", "oci:\(scratch.path)/back:debian")
        #expect(try RegistryFixtures.manifestDigest(layout: "\(scratch.path)/back", ref: "debian")
            == RegistryFixtures.manifestDigest(layout: debian, ref: "debian"))
        try await server.http.postBlob("safe/big", bigBlob).expectStatus(201)
        try Tools.klein("registry", "fsck", "--data", data)
    }

    /// `kill -9` the moment the tenth push is acknowledged (a count, not a sleep), with the client still
    /// pushing blobs and manifests as fast as it can: every blob and manifest acknowledged with 201
    /// before the kill survives it, byte for byte, and the store is consistent.
    @Test func killedRightAfterTenAcknowledgementsLosesNothingAcknowledged() async throws {
        let scratch = try Scratch()
        let data = "\(scratch.path)/data"
        var server = try KleinServe(scratch: scratch, data: data)
        let acknowledged = "\(scratch.path)/acknowledged"
        let pusher = try Tools.start("python3", ["-c", Self.pushUntilCutOff, server.host, acknowledged])
        let countAcknowledged = { (try? String(contentsOfFile: acknowledged, encoding: .utf8))?.count { $0 == "\n" } ?? 0 }
        let before = try await polled(for: 60, every: .milliseconds(2), { countAcknowledged() }, until: { $0 >= 10 })
        try #require(before >= 10, "the pusher's pushes were acknowledged")
        server.crash()
        pusher.process.waitUntilExit()
        _ = pusher.finish()

        let lines = try String(contentsOfFile: acknowledged, encoding: .utf8).split(separator: "\n")
        server = try KleinServe(scratch: scratch, data: data)
        defer { server.stop() }
        for line in lines {
            let fields = line.split(separator: " ").map(String.init)
            try #require(fields.count == 3, "\(line)")
            let (kind, repository, digest) = (fields[0], fields[1], fields[2])
            let fetched = try await server.http.get("/v2/\(repository)/\(kind == "blob" ? "blobs" : "manifests")/\(digest)",
                                                    accept: "application/vnd.oci.image.manifest.v1+json")
            fetched.expectStatus(200)
            #expect(TestBlob(fetched.body).digest == digest, "acknowledged \(kind) \(digest) survived intact")
        }
        try Tools.klein("registry", "fsck", "--data", data)
    }

    @Test func uploadSessionsSurviveARestart() async throws {
        let scratch = try Scratch()
        let data = "\(scratch.path)/data"
        var server = try KleinServe(scratch: scratch, data: data)
        let first = Data(repeating: UInt8(ascii: "a"), count: 100_000), second = Data(repeating: UInt8(ascii: "b"), count: 50_000)
        let location = try await server.http.startUpload("resume/blob")
        try await server.http.patchChunk(location, first, range: "0-99999").expectStatus(202)
        server.crash()
        server = try KleinServe(scratch: scratch, data: data)
        defer { server.stop() }
        #expect(try await server.http.get(location).header("Range") == "0-99999")
        try await server.http.patchChunk(location, second, range: "100000-149999").expectStatus(202)
        let blob = TestBlob(first + second)
        try await server.http.send("PUT", LocationQuery.appending(location, [("digest", blob.digest)])).expectStatus(201)
        try await server.http.head("/v2/resume/blob/blobs/\(blob.digest)").expectStatus(200)
    }

    @Test func sigtermLetsAnUploadInFlightFinish() throws {
        let scratch = try Scratch()
        let server = try KleinServe(scratch: scratch)
        let file = "\(scratch.path)/blob"
        try Tools.peer("dd", "if=/dev/urandom", "of=\(file)", "bs=1M", "count=8", "status=none")
        let digest = TestBlob(try Data(contentsOf: URL(fileURLWithPath: file))).digest
        // curl, not RegistryHTTP: a rate-limited upload from the file is still streaming when SIGTERM comes.
        let upload = try Tools.start("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "--limit-rate", "4M",
                                              "-H", "Content-Type: application/octet-stream", "--data-binary", "@\(file)",
                                              "http://\(server.host)/v2/drain/blob/blobs/uploads/?digest=\(digest)"])
        // SIGTERM once the upload's bytes are arriving: a connection whose request has not begun is closed as idle.
        let deadline = Date().addingTimeInterval(20)
        while RegistryFixtures.bytesInUploads(data: server.data) == 0, upload.process.isRunning, Date() < deadline { usleep(20_000) }
        server.stop(timeout: 30)
        upload.process.waitUntilExit()
        #expect(upload.finish().stdout == "201", "the upload in flight completes during a graceful shutdown")
        #expect(try Tools.run("klein", ["registry", "fsck", "--data", server.data]).succeeded)
    }

    /// A request whose body is cut off, by a client that hangs up or half-closes part-way, gets no answer and
    /// does not take the server down (a debug build asserted on answering it). The session keeps what arrived
    /// and reports it at once, though the cut-off request may still be letting go of it.
    @Test(arguments: [false, true])
    func aRequestCutOffMidBodyLeavesTheServerServing(halfClose: Bool) async throws {
        let scratch = try Scratch()
        let server = try KleinServe(scratch: scratch)
        defer { server.stop() }
        for round in 0..<12 {
            let location = try await server.http.startUpload("cut/blob")
            let sent = round % 2 == 0 ? 0 : 100_000
            let path = try server.http.url(location)
            let target = path.path + (path.query.map { "?\($0)" } ?? "")
            try Tools.run("python3", ["-c", Self.cutOffPatch, server.host, target, String(sent), halfClose ? "1" : "0"])
            // A client that hangs up without half-closing cannot know whether the server has read its bytes yet;
            // one that half-closes waits for the server to close, so the status is right at once.
            let expected = sent == 0 ? "0-0" : "0-\(sent - 1)"
            let status = try await polled(for: halfClose ? 0 : 10, { try await server.http.get(location) },
                                          until: { $0.header("Range") == expected })
            status.expectStatus(204)
            #expect(status.header("Range") == expected, "round \(round)")
            #expect(server.isRunning, "klein serve died in round \(round): \(server.log.suffix(2000))")
        }
    }

    /// python3 -c: pushes random 64 KiB blobs to `argv[1]`, and after every second blob an image
    /// manifest of them, until the server goes away; appends `blob|manifest REPOSITORY DIGEST` to the file
    /// `argv[2]` (flushed) as each is acknowledged with 201.
    private static let pushUntilCutOff = """
        import hashlib, http.client, json, os, sys
        host, port = sys.argv[1].split(":")
        log = open(sys.argv[2], "a", buffering=1)
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        def put(method, path, body, content_type):
            connection.request(method, path, body, {"Content-Type": content_type})
            response = connection.getresponse()
            response.read()
            return response.status
        repository = "killed/push"
        try:
            for round in range(10000):
                blobs = []
                for kind in ("config", "layer"):
                    body = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []},
                                       "nonce": os.urandom(16).hex()}).encode() if kind == "config" else os.urandom(65536)
                    digest = "sha256:" + hashlib.sha256(body).hexdigest()
                    if put("POST", "/v2/%s/blobs/uploads/?digest=%s" % (repository, digest), body, "application/octet-stream") == 201:
                        log.write("blob %s %s\\n" % (repository, digest))
                    blobs.append((digest, len(body)))
                (config, config_size), (layer, layer_size) = blobs
                manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": config_size},
                    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer, "size": layer_size}]}).encode()
                digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
                if put("PUT", "/v2/%s/manifests/%s" % (repository, digest), manifest, "application/vnd.oci.image.manifest.v1+json") == 201:
                    log.write("manifest %s %s\\n" % (repository, digest))
        except (OSError, http.client.HTTPException):
            pass
        """

    /// python3 -c: PATCH `argv[2]` on `argv[1]` declaring 4 MiB, send `argv[3]` bytes, then close, or half-close and wait for EOF when `argv[4]` is 1.
    private static let cutOffPatch = """
        import socket, sys
        host, port = sys.argv[1].split(":")
        connection = socket.create_connection((host, int(port)))
        connection.sendall(("PATCH %s HTTP/1.1\\r\\nHost: %s\\r\\nContent-Type: application/octet-stream\\r\\n"
                            "Content-Length: 4194304\\r\\nContent-Range: 0-4194303\\r\\n\\r\\n" % (sys.argv[2], sys.argv[1])).encode())
        connection.sendall(b"x" * int(sys.argv[3]))
        if sys.argv[4] == "1":
            connection.shutdown(socket.SHUT_WR)
            while connection.recv(65536):
                pass
        connection.close()
        """
}
