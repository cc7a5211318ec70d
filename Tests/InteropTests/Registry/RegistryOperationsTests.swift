import Foundation
import Testing

/// What an operator touches: health, metrics, TLS, the configuration file and its errors.
@Suite struct RegistryOperationsTests {
    @Test func healthAndPrometheusMetrics() async throws {
        let scratch = try Scratch()
        let server = try KleinServe(scratch: scratch)
        defer { server.stop() }
        try await server.http.postBlob("ops/metrics", TestBlob(Data("metrics".utf8))).expectStatus(201)
        let health = try await server.http.get("/healthz")
        health.expectStatus(200)
        #expect(health.text == "ok\n")
        try await server.http.get("/v2/ops/metrics/blobs/sha256:\(String(repeating: "0", count: 64))").expectStatus(404)
        // A request is counted once its response is sent, so the previous one may be a moment late.
        let response = try await polled(for: 10, { try await server.http.get("/metrics") },
                                        until: { $0.text.contains(#"route="blob",method="GET",status="404"} 1"#) })
        response.expectStatus(200)
        let metrics = response.text
        #expect(metrics.contains(#"klein_registry_requests_total{route="uploads",method="POST",status="201"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"klein_registry_requests_total{route="blob",method="GET",status="404"} 1"#))
        #expect(metrics.contains("klein_registry_received_bytes_total 7"))
        #expect(metrics.contains("klein_registry_upload_duration_seconds_count 1"))
    }

    @Test func periodicGarbageCollectionRemovesOrphans() async throws {
        let scratch = try Scratch()
        let server = try KleinServe(scratch: scratch, arguments: ["--gc-interval", "1s", "--gc-grace", "3s"])
        defer { server.stop() }
        let orphan = TestBlob(TestContent.randomBytes(100))
        // Stored (201); whether the first collection has run yet depends on timing, so only its outcome is checked.
        #expect(try await server.http.postBlob("ops/gc", orphan).status == 201)
        // A busy machine may run the collector late.
        let status = try await polled(for: 60, every: .milliseconds(200), { try await server.http.head("/v2/ops/gc/blobs/\(orphan.digest)").status },
                                      until: { $0 != 200 })
        #expect(status == 404, "the server's own collector removed the unreferenced blob")
    }

    @Test func abandonedUploadSessionsExpireWithoutGarbageCollection() async throws {
        let scratch = try Scratch()
        // No --gc-interval: expiring sessions is a schedule of its own.
        let server = try KleinServe(scratch: scratch, arguments: ["--upload-expiry", "2s"])
        defer { server.stop() }
        // Started (202): checking it is there would race the 2 s expiry on a busy machine.
        let location = try await server.http.startUpload("ops/expiry")
        // A busy machine may run the sweep late.
        let status = try await polled(for: 60, every: .milliseconds(200), { try await server.http.get(location).status },
                                      until: { $0 != 204 })
        #expect(status == 404, "the idle session expired on the server's own schedule")
    }

    @Test func servesTLSWithAGivenCertificate() throws {
        let scratch = try Scratch()
        try Tools.peer("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                       "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                       "-keyout", "\(scratch.path)/key.pem", "-out", "\(scratch.path)/cert.pem")
        let server = try KleinServe(scratch: scratch, arguments: ["--tls-cert", "\(scratch.path)/cert.pem", "--tls-key", "\(scratch.path)/key.pem"],
                                    scheme: "https")
        defer { server.stop() }
        // curl, not RegistryHTTP: it verifies the server against this one CA file, which URLSession on Linux cannot.
        #expect(try Tools.peer("curl", "-sf", "--cacert", "\(scratch.path)/cert.pem", "https://\(server.host)/v2/") == "{}")
        // skopeo verifies the certificate from a certs directory, then pushes and pulls over TLS.
        try FileManager.default.createDirectory(atPath: "\(scratch.path)/certs", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(scratch.path)/cert.pem", toPath: "\(scratch.path)/certs/ca.crt")
        let layout = "\(scratch.path)/layout"
        try Tools.klein("layout", "init", layout)
        let digest = try ImageFixture.build(in: scratch, layout: layout, ref: "v1")
        try Tools.peer("skopeo", "copy", "--dest-cert-dir", "\(scratch.path)/certs", "oci:\(layout):v1", "docker://\(server.host)/tls/image:v1")
        try Tools.peer("skopeo", "copy", "--src-cert-dir", "\(scratch.path)/certs", "docker://\(server.host)/tls/image:v1", "oci:\(scratch.path)/back:v1")
        #expect(try RegistryFixtures.manifestDigest(layout: "\(scratch.path)/back", ref: "v1") == digest)
    }

    @Test func configurationFileSetsTheServerUp() async throws {
        let scratch = try Scratch()
        let config = try scratch.write("registry.toml", """
            [server]
            listen = "127.0.0.1:0"
            data = "data"

            [storage]
            delete = false
            """)
        let server = try KleinServe(scratch: scratch, data: "\(scratch.path)/data", arguments: ["--config", config])
        defer { server.stop() }
        let blob = TestBlob(Data("config".utf8))
        try await server.http.postBlob("ops/config", blob).expectStatus(201)
        try await server.http.send("DELETE", "/v2/ops/config/blobs/\(blob.digest)").expectStatus(405)
    }

    @Test func pathsInTheConfigurationFileAreRelativeToIt() async throws {
        let scratch = try Scratch()
        let config = try scratch.write("etc/klein/registry.toml", """
            [server]
            listen = "127.0.0.1:0"
            data = "../data"
            """)
        let elsewhere = "\(scratch.path)/working-directory"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        // No --data or --listen: the test helpers' usual flags would hide where the file sends the data.
        let server = try KleinServe(scratch: scratch, configuredBy: config, expectingData: "\(scratch.path)/etc/data", in: elsewhere)
        defer { server.stop() }
        let blob = TestBlob(Data("relative".utf8))
        try await server.http.postBlob("ops/relative", blob).expectStatus(201)
        let hex = blob.digest.split(separator: ":").last.map(String.init) ?? ""
        #expect(FileManager.default.fileExists(atPath: "\(server.data)/blobs/sha256/\(hex)"), "the blob is under the file's ../data")
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty, "nothing lands in the working directory")
    }

    @Test(arguments: [
        ("[storage]\ndelte = true\n", "storage.delte"),
        ("[server]\nlisten = 5000\n", "server.listen"),
        ("[storage]\nmax_manifest_size = 1024\n", "max_manifest_size"),
        ("[auth]\nmode = \"token\"\n", "auth.htpasswd"),
        ("[gc]\ngrace = \"soon\"\n", "gc.grace"),
        ("[server\n", "registry.toml:1"),
    ])
    func badConfigurationIsRefusedByName(toml: String, named: String) throws {
        let scratch = try Scratch()
        let config = try scratch.write("registry.toml", toml)
        let result = try Tools.run("klein", ["serve", "--config", config, "--data", "\(scratch.path)/data"])
        #expect(result.status == 1)
        #expect(result.stderr.contains(named), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
