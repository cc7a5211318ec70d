import Foundation
import Testing

/// skopeo and umoci against `klein serve`: a real multi-layer image goes up, comes back with the same
/// digests, is listed, inspected, unpacked and deleted; the data directory stays consistent throughout.
@Suite struct RegistryInteropTests {
    @Test func skopeoPushesAndPullsADebianImageWithIdenticalDigests() throws {
        let scratch = try Scratch()
        let layout = try RegistryFixtures.debianLayout(in: scratch)
        let server = try KleinServe(scratch: scratch)
        defer { server.stop() }
        let remote = "docker://\(server.host)/debian/minbase"

        try Tools.peer("skopeo", "copy", "--dest-tls-verify=false", "oci:\(layout):debian", "\(remote):bookworm")
        let pushed = try RegistryFixtures.manifestDigest(layout: layout, ref: "debian")
        let inspected = try JSONSerialization.jsonObject(with: Data(
            Tools.peer("skopeo", "inspect", "--tls-verify=false", "\(remote):bookworm").utf8)) as? [String: Any]
        #expect(inspected?["Digest"] as? String == pushed)
        #expect((inspected?["Layers"] as? [String])?.count == 2)

        try Tools.peer("skopeo", "copy", "--dest-tls-verify=false", "oci:\(layout):debian", "\(remote):latest")
        let tags = try JSONSerialization.jsonObject(with: Data(
            Tools.peer("skopeo", "list-tags", "--tls-verify=false", remote).utf8)) as? [String: Any]
        #expect(tags?["Tags"] as? [String] == ["bookworm", "latest"])

        // Back into a fresh layout: same manifest digest, every blob verified, and umoci can unpack it.
        try Tools.peer("skopeo", "copy", "--src-tls-verify=false", "\(remote):bookworm", "oci:\(scratch.path)/back:debian")
        #expect(try RegistryFixtures.manifestDigest(layout: "\(scratch.path)/back", ref: "debian") == pushed)
        try Tools.klein("layout", "fsck", "\(scratch.path)/back")
        try Tools.peer("umoci", "unpack", "--image", "\(scratch.path)/back:debian", "\(scratch.path)/bundle")
        #expect(try String(contentsOfFile: "\(scratch.path)/bundle/rootfs/etc/hostname", encoding: .utf8) == "klein-test\n")

        // A second repository on the same registry: layers are shared, stored once.
        try Tools.peer("skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false", "\(remote):bookworm",
                       "docker://\(server.host)/mirror/debian:bookworm")
        try Tools.klein("registry", "fsck", "--data", server.data)

        try Tools.peer("skopeo", "delete", "--tls-verify=false", "\(remote):latest")
        let gone = try Tools.run("skopeo", ["inspect", "--tls-verify=false", "\(remote):bookworm"])
        #expect(!gone.succeeded, "deleting by digest removes every tag naming the manifest")
        try Tools.peer("skopeo", "inspect", "--tls-verify=false", "docker://\(server.host)/mirror/debian:bookworm")
    }

    @Test func registryGCKeepsReferencedAndRecentBlobsAndRemovesOrphans() async throws {
        let scratch = try Scratch()
        let layout = "\(scratch.path)/layout"
        try Tools.klein("layout", "init", layout)
        try ImageFixture.build(in: scratch, layout: layout, ref: "v1")
        let server = try KleinServe(scratch: scratch)
        defer { server.stop() }
        try Tools.peer("skopeo", "copy", "--dest-tls-verify=false", "oci:\(layout):v1", "docker://\(server.host)/gc/image:v1")
        let orphan = TestBlob(Data("nobody refers to me".utf8))
        try await server.http.postBlob("gc/image", orphan).expectStatus(201)

        // Within the grace period the orphan stays; with none it goes, and the image stays whole.
        var report = try Tools.klein("registry", "gc", "--data", server.data, "--json")
        #expect(!report.contains(orphan.digest))
        report = try Tools.klein("registry", "gc", "--data", server.data, "--grace", "0s", "--json")
        #expect(report.contains(orphan.digest))
        try await server.http.head("/v2/gc/image/blobs/\(orphan.digest)").expectStatus(404)
        try Tools.peer("skopeo", "copy", "--src-tls-verify=false", "docker://\(server.host)/gc/image:v1", "oci:\(scratch.path)/back:v1")
        try Tools.klein("registry", "fsck", "--data", server.data)
    }

    /// GC racing a push that reuses blobs GC may take, at the race's one dangerous point: GC has chosen
    /// blobs (orphans older than the grace period) and is about to remove them, held there by its pause
    /// point. The client checks the blobs exist (HEAD), then pushes its manifest either while GC is still
    /// held (GC's removal re-checks references in its transaction) or after GC finished (the HEAD counted
    /// the blobs as new). Every round, the push is acknowledged, its blobs stay and fsck is clean.
    @Test func gcRacingAPushThatReusesOrphansNeverBreaksIt() async throws {
        let scratch = try Scratch()
        let server = try await KleinServe.start(scratch: scratch)
        defer { server.stop() }
        let repository = "race/image"
        for round in 0..<4 {
            let config = TestContent.config(), layer = TestContent.randomLayer()
            for blob in [config, layer] { try await server.http.pushBlob(repository, blob) }
            // Every blob two hours older: past GC's one-hour grace, as if pushed long ago and left unreferenced.
            try Tools.peer("python3", "-c", """
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1], timeout=30)
                db.execute("UPDATE blobs SET added_at = added_at - 7200")
                db.commit()
                """, "\(server.data)/metadata.sqlite")
            let pause = "\(scratch.path)/gc-paused-\(round)"
            let gc = try Tools.start("klein", ["registry", "gc", "--data", server.data, "--grace", "1h", "--json"],
                                     environment: ["KLEIN_PAUSE_AT": "registry.gc.sweep=\(pause)"])
            let paused = try await polled(for: 60, every: .milliseconds(20), { FileManager.default.fileExists(atPath: pause) }, until: { $0 })
            try #require(paused, "klein registry gc reached its pause point")
            for blob in [config, layer] {
                try await server.http.head("/v2/\(repository)/blobs/\(blob.digest)").expectStatus(200)
            }
            let manifest = TestContent.imageManifest(config: config, layers: [layer])
            let pushFirst = round.isMultiple(of: 2)
            if pushFirst { try await server.http.putManifest(repository, "v\(round)", manifest).expectStatus(201) }
            try FileManager.default.removeItem(atPath: pause)
            gc.process.waitUntilExit()
            let report = gc.finish()
            #expect(report.succeeded, "\(report.stderr)")
            if !pushFirst { try await server.http.putManifest(repository, "v\(round)", manifest).expectStatus(201) }
            #expect(!report.stdout.contains(config.digest) && !report.stdout.contains(layer.digest),
                    "round \(round): GC removed a blob of the push: \(report.stdout)")
            for blob in [config, layer] {
                let pulled = try await server.http.get("/v2/\(repository)/blobs/\(blob.digest)")
                pulled.expectStatus(200)
                #expect(pulled.body == blob.data)
            }
        }
        try Tools.klein("registry", "fsck", "--data", server.data)
    }

    @Test func gcDuringPushesNeverBreaksThem() throws {
        let scratch = try Scratch()
        let layout = try RegistryFixtures.debianLayout(in: scratch)
        let server = try KleinServe(scratch: scratch)
        defer { server.stop() }
        let push = try Tools.start("skopeo", ["copy", "--dest-tls-verify=false", "oci:\(layout):debian",
                                              "docker://\(server.host)/busy/debian:v1"])
        var collections = 0
        while push.process.isRunning {
            try Tools.klein("registry", "gc", "--data", server.data, "--grace", "10m")
            collections += 1
        }
        push.process.waitUntilExit()
        let result = push.finish()
        #expect(result.succeeded, "\(result.stderr)")
        #expect(collections > 0)
        try Tools.peer("skopeo", "copy", "--src-tls-verify=false", "docker://\(server.host)/busy/debian:v1", "oci:\(scratch.path)/back:v1")
        #expect(try RegistryFixtures.manifestDigest(layout: "\(scratch.path)/back", ref: "v1")
            == RegistryFixtures.manifestDigest(layout: layout, ref: "debian"))
        try Tools.klein("registry", "fsck", "--data", server.data)
    }
}
