import Foundation
import Testing

/// The registry client's failure handling, driving the real `klein` binary against `klein serve` through
/// `fault_proxy.py`: transient statuses retried (honouring `Retry-After`), chunked uploads resumed from the
/// session's `Range`, downloads resumed with `Range` requests, lying servers caught by digest verification
/// with nothing written, redirects followed without carrying `Authorization` to another origin, and bad
/// input answered with one clear line.
@Suite struct ClientFaultTests {
    // MARK: - 1. Transient statuses

    @Test("a 503 or 429 with Retry-After is repeated after the wait; with --attempts 1 it is the error", arguments: [503, 429])
    func retriesTransientStatus(status: Int) async throws {
        let scratch = try Scratch()
        let cli = ClientCLI(scratch: scratch)
        let image = try ClientTestImage.make(in: scratch, files: [300_000])
        let serve = try await ProxiedServe.start(cli: cli)
        defer { serve.stop() }
        let (server, proxy) = (serve.server, serve.proxy)

        // Push: the first upload POST and the first two manifest PUTs are refused.
        try await proxy.setRules([
            .status(status, retryAfter: "1", method: "POST", path: "/blobs/uploads/$"),
            .status(status, retryAfter: "1", method: "PUT", path: "/manifests/", times: 2),
        ])
        let push = try cli.succeed(["push", image.location, "\(proxy.host)/app:v1"])
        var log = try await proxy.log()
        var rendered = FaultProxy.render(log)
        let posts = log.filter { $0.method == "POST" && $0.path.hasSuffix("/blobs/uploads/") }
        #expect(posts.filter { $0.fault == .status }.map(\.status) == [status], "\(rendered)")
        #expect(posts.filter { $0.fault == nil }.map(\.status) == [202, 202], "one upload per blob after the refusal:\n\(rendered)")
        let firstRefused = try #require(posts.firstIndex { $0.fault == .status }, "\(rendered)")
        #expect(posts.dropFirst(firstRefused + 1).contains { $0.status == 202 }, "the refused POST was repeated:\n\(rendered)")
        let puts = log.filter { $0.method == "PUT" && $0.path.contains("/manifests/") }
        #expect(puts.map(\.status) == [status, status, 201], "the manifest PUT was repeated until accepted:\n\(rendered)")
        // Two waits of Retry-After: 1 one after the other before the manifest is accepted (the exponential
        // backoff alone would take 0.2 s + 0.4 s at most).
        #expect(push.duration >= .seconds(2), "Retry-After was not honoured: \(push)\n\(rendered)")
        #expect(try cli.succeed(["resolve", "\(server.host)/app:v1"]).stdout.contains(image.manifest))

        // Pull: the first two blob GETs are refused, and repeated.
        try await proxy.reset()
        try await proxy.setRules([.status(status, retryAfter: "1", method: "GET", path: "/blobs/sha256:", times: 2)])
        let destination = "\(scratch.path)/pulled"
        try cli.succeed(["pull", "\(proxy.host)/app:v1", "oci:\(destination):app"])
        log = try await proxy.log()
        rendered = FaultProxy.render(log)
        let refusedGets = log.filter { $0.method == "GET" && $0.fault == .status }
        #expect(refusedGets.count == 2, "\(rendered)")
        for refused in refusedGets {
            #expect(log.contains { $0.method == "GET" && $0.path == refused.path && $0.status == 200 }, "\(refused.path) was not repeated:\n\(rendered)")
        }
        try image.expectIdentical(toLayout: destination, ref: "app")

        // --attempts 1: the same refusal is final, and named.
        try await proxy.reset()
        try await proxy.setRules([.status(status, retryAfter: "1", method: "PUT", path: "/manifests/")])
        let refusedPush = try cli.fail(["push", image.location, "\(proxy.host)/app:v2", "--attempts", "1"])
        #expect(refusedPush.stderr.contains("HTTP \(status)"), "\(refusedPush)")
        #expect(refusedPush.errorLines.count == 1, "one line: \(refusedPush)")
        log = try await proxy.log()
        #expect(log.filter { $0.method == "PUT" && $0.path.contains("/manifests/") }.count == 1, "repeated despite --attempts 1:\n\(FaultProxy.render(log))")
        try cli.fail(["resolve", "\(server.host)/app:v2"])

        try await proxy.reset()
        try await proxy.setRules([.status(status, retryAfter: "1", method: "GET", path: "/manifests/")])
        let refusedPull = try cli.fail(["pull", "\(proxy.host)/app:v1", "oci:\(scratch.path)/never:app", "--attempts", "1"])
        #expect(refusedPull.stderr.contains("HTTP \(status)"), "\(refusedPull)")
        #expect(!FileManager.default.fileExists(atPath: "\(scratch.path)/never"), "a failed pull created its layout")
    }

    // MARK: - 2. Chunked upload resume

    /// Drop points in the first 4 MiB `PATCH`: before any body byte (the session is empty, and reports
    /// `Range: 0-0`, as Distribution does too), in the middle (the registry holds part of the chunk), and after
    /// the whole chunk was relayed and accepted but the answer was lost.
    @Test("a chunked upload whose PATCH is cut off resumes from the session's Range", arguments: [0, 2_500_000, 6_000_000])
    func chunkedUploadResumes(dropAfter: Int) async throws {
        let scratch = try Scratch()
        let cli = ClientCLI(scratch: scratch)
        let image = try ClientTestImage.make(in: scratch, files: [12_000_000])
        let layerSize = try #require(image.layerSizes.first)
        let serve = try await ProxiedServe.start(cli: cli)
        defer { serve.stop() }
        let (server, proxy) = (serve.server, serve.proxy)

        try await proxy.setRules([.dropRequest(after: dropAfter, method: "PATCH", path: "/blobs/uploads/")])
        try cli.succeed(["push", image.location, "\(proxy.host)/app:v1", "--chunk-size", "4194304", "--jobs", "1"])
        let log = try await proxy.log()
        let rendered = FaultProxy.render(log)
        let dropped = try #require(log.firstIndex { $0.method == "PATCH" && $0.fault == .dropRequestAfter }, "no PATCH was dropped:\n\(rendered)")
        #expect(log[dropped].status == nil, "\(rendered)")
        let status = try #require(log[(dropped + 1)...].firstIndex { $0.method == "GET" && $0.path.contains("/blobs/uploads/") },
                                  "the session was not asked where it stands:\n\(rendered)")
        #expect(log[status].status == 204, "\(rendered)")
        let later = log[(status + 1)...].filter { $0.method == "PATCH" }
        #expect(!later.isEmpty && later.allSatisfy { $0.status == 202 }, "the upload did not go on in PATCHes:\n\(rendered)")
        #expect(log[(status + 1)...].contains { $0.method == "PUT" && $0.path.contains("/blobs/uploads/") && $0.status == 201 },
                "the upload was not finished:\n\(rendered)")
        if dropAfter >= 4_194_304 {
            // The registry acted on the whole chunk: it is not sent again.
            let resent = later.reduce(0) { $0 + $1.requestBytes }
            #expect(resent == layerSize - 4_194_304, "bytes sent after resuming: \(resent) of \(layerSize)\n\(rendered)")
        }

        try cli.expectPull("\(server.host)/app:v1", toMatch: image)
    }

    @Test("a chunk answered 503 is sent again from where the session stands")
    func chunkRefusedWith503IsResumed() async throws {
        let scratch = try Scratch()
        let cli = ClientCLI(scratch: scratch)
        let image = try ClientTestImage.make(in: scratch, files: [9_000_000])
        let serve = try await ProxiedServe.start(cli: cli)
        defer { serve.stop() }
        let (server, proxy) = (serve.server, serve.proxy)

        try await proxy.setRules([.status(503, retryAfter: "1", method: "PATCH", path: "/blobs/uploads/")])
        try cli.succeed(["push", image.location, "\(proxy.host)/app:v1", "--chunk-size", "4194304", "--jobs", "1"])
        let log = try await proxy.log()
        let rendered = FaultProxy.render(log)
        let refused = try #require(log.firstIndex { $0.method == "PATCH" && $0.fault == .status }, "\(rendered)")
        #expect(log[(refused + 1)...].filter { $0.method == "PATCH" }.map(\.status) == [202, 202, 202], "\(rendered)")
        try cli.expectPull("\(server.host)/app:v1", toMatch: image)
    }

    // MARK: - 3. Download resume

    @Test("a download cut off twice resumes with Range requests and the layout verifies")
    func droppedDownloadResumes() async throws {
        let scratch = try Scratch()
        let cli = ClientCLI(scratch: scratch)
        let image = try ClientTestImage.make(in: scratch, files: [3_000_000])
        let layer = try #require(image.layers.first)
        let layerSize = try #require(image.layerSizes.first)
        let serve = try await ProxiedServe.start(cli: cli, pushing: image)
        defer { serve.stop() }
        let proxy = serve.proxy

        try await proxy.setRules([.dropResponse(after: 1_000_000, method: "GET", path: "/blobs/\(layer)$", times: 2)])
        try cli.expectPull("\(proxy.host)/app:v1", options: ["--jobs", "1"], toMatch: image)

        let log = try await proxy.log()
        let rendered = FaultProxy.render(log)
        let gets = log.filter { $0.method == "GET" && $0.path.hasSuffix("/blobs/\(layer)") }
        #expect(gets.map(\.fault) == [.dropResponseAfter, .dropResponseAfter, nil], "\(rendered)")
        #expect(gets.map(\.status) == [200, 206, 206], "resumed with Range requests:\n\(rendered)")
        // The last request asks for the rest from what was written (bytes in flight when a connection broke may be
        // asked for again), not for the whole layer.
        #expect((gets.last?.responseBytes ?? layerSize) < layerSize - 500_000, "the download started over:\n\(rendered)")
    }

    // MARK: - 4. Lying server

    @Test("a corrupted layer fails the pull naming the digest mismatch, and nothing is written")
    func corruptedLayerIsRejected() async throws {
        let scratch = try Scratch()
        let cli = ClientCLI(scratch: scratch)
        let image = try ClientTestImage.make(in: scratch, files: [500_000])
        let layer = try #require(image.layers.first)
        let serve = try await ProxiedServe.start(cli: cli, pushing: image)
        defer { serve.stop() }
        let proxy = serve.proxy

        // Into a new layout: it is not created.
        try await proxy.setRules([.corruptResponse(at: 100, path: "/blobs/\(layer)$", times: 20)])
        let fresh = "\(scratch.path)/fresh"
        let run = try cli.fail(["pull", "\(proxy.host)/app:v1", "oci:\(fresh):app"])
        #expect(run.stderr.contains("digest mismatch") && run.stderr.contains(layer), "\(run)")
        #expect(run.errorLines.count == 1, "one line: \(run)")
        #expect(!FileManager.default.fileExists(atPath: fresh), "a failed pull left \(fresh) behind")
        let log = try await proxy.log()
        #expect(log.contains { $0.fault == .corruptResponse && ($0.note ?? "").contains("inverted") }, "\(FaultProxy.render(log))")

        // Into an existing layout: it is left exactly as it was.
        let existing = "\(scratch.path)/existing"
        try cli.succeed(["layout", "init", existing])
        let before = directorySnapshot(existing)
        let again = try cli.fail(["pull", "\(proxy.host)/app:v1", "oci:\(existing):app"])
        #expect(again.stderr.contains("digest mismatch"), "\(again)")
        #expect(directorySnapshot(existing) == before, "a failed pull changed \(existing)")
    }

    @Test("a corrupted manifest fails the pull naming the manifest, and nothing is written")
    func corruptedManifestIsRejected() async throws {
        let scratch = try Scratch()
        let cli = ClientCLI(scratch: scratch)
        let image = try ClientTestImage.make(in: scratch, files: [10_000])
        let serve = try await ProxiedServe.start(cli: cli, pushing: image)
        defer { serve.stop() }
        let proxy = serve.proxy

        try await proxy.setRules([.corruptResponse(at: 10, method: "GET", path: "/manifests/", times: 20)])
        let fresh = "\(scratch.path)/fresh"
        let run = try cli.fail(["pull", "\(proxy.host)/app:v1", "oci:\(fresh):app"])
        #expect(run.stderr.contains("manifest") && run.stderr.contains("digest mismatch"), "\(run)")
        #expect(run.errorLines.count == 1, "one line: \(run)")
        #expect(!FileManager.default.fileExists(atPath: fresh), "a failed pull left \(fresh) behind")

        // By digest too: the digest asked for is what the bytes must hash to.
        let byDigest = try cli.fail(["pull", "\(proxy.host)/app@\(image.manifest)", "oci:\(fresh):app"])
        #expect(byDigest.stderr.contains("manifest") && byDigest.stderr.contains(image.manifest), "\(byDigest)")
        #expect(!FileManager.default.fileExists(atPath: fresh), "a failed pull left \(fresh) behind")
        let log = try await proxy.log()
        #expect(log.filter { $0.fault == .corruptResponse && ($0.note ?? "").contains("inverted") }.count >= 2, "\(FaultProxy.render(log))")
    }

    // MARK: - 5. Redirects

    @Test("blobs redirected to another origin are fetched without Authorization", arguments: AuthServeMode.allCases)
    func redirectDropsAuthorization(mode: AuthServeMode) async throws {
        let scratch = try Scratch()
        let cli = ClientCLI(scratch: scratch)
        let image = try ClientTestImage.make(in: scratch, files: [200_000])
        let registry = try AuthRegistry(scratch: scratch, mode: mode)
        defer { registry.stop() }
        let password = try #require(AuthRegistry.passwords["writer"])
        try cli.succeed(["push", image.location, "\(registry.server.host)/public/app:v1", "-u", "writer", "--password-stdin"], stdin: password + "\n")
        let proxy = try await FaultProxy.start(upstream: registry.server.base)
        defer { proxy.stop() }

        try await proxy.setRules([.redirect(method: "GET", path: "/blobs/sha256:", times: 10)])
        try cli.expectPull("\(proxy.host)/public/app:v1", options: ["-u", "writer", "-p", password], toMatch: image)

        let log = try await proxy.log()
        let rendered = FaultProxy.render(log)
        let redirected = log.filter { $0.fault == .redirect }
        let atTarget = log.filter(\.viaRedirectTarget)
        #expect(redirected.count == 2 && redirected.allSatisfy { $0.authorization && $0.status == 307 }, "\(rendered)")
        #expect(atTarget.count == 2 && atTarget.allSatisfy { $0.status == 200 }, "blobs fetched at the redirect target:\n\(rendered)")
        #expect(atTarget.allSatisfy { !$0.authorization }, "Authorization was sent to another origin:\n\(rendered)")
        #expect(log.contains { $0.listener == .proxy && $0.path.contains("/manifests/") && $0.authorization && $0.status == 200 },
                "the registry's own requests carry credentials:\n\(rendered)")
    }

    // MARK: - 6. Bad input

    @Test("an unknown registry host fails with one line and creates nothing")
    func unknownHost() throws {
        let scratch = try Scratch()
        let cli = ClientCLI(scratch: scratch)
        let destination = "\(scratch.path)/X"
        let run = try cli.fail(["pull", "nonexistent.invalid/app:v1", "oci:\(destination)"])
        #expect(run.errorLines.count == 1, "one line: \(run)")
        #expect(run.stderr.contains("nonexistent.invalid"), "\(run)")
        #expect(run.duration < .seconds(60), "\(run)")
        #expect(!FileManager.default.fileExists(atPath: destination), "a failed pull created \(destination)")
    }

    @Test("a missing tag or repository is 'not found' and writes nothing")
    func missingTag() async throws {
        let scratch = try Scratch()
        let cli = ClientCLI(scratch: scratch)
        let image = try ClientTestImage.make(in: scratch, files: [10_000])
        let server = try await KleinServe.start(scratch: scratch)
        defer { server.stop() }
        try cli.succeed(["push", image.location, "\(server.host)/app:v1"])

        for reference in ["\(server.host)/app:missing", "\(server.host)/nothing/here:v1"] {
            let destination = "\(scratch.path)/X"
            let run = try cli.fail(["pull", reference, "oci:\(destination):app"])
            #expect(run.stderr.lowercased().contains("not found"), "\(run)")
            #expect(run.errorLines.count == 1, "one line: \(run)")
            #expect(!FileManager.default.fileExists(atPath: destination), "a failed pull created \(destination)")
        }

        let existing = "\(scratch.path)/existing"
        try cli.succeed(["pull", "\(server.host)/app:v1", "oci:\(existing):app"])
        let before = directorySnapshot(existing)
        let run = try cli.fail(["pull", "\(server.host)/app:missing", "oci:\(existing):other"])
        #expect(run.stderr.lowercased().contains("not found"), "\(run)")
        #expect(directorySnapshot(existing) == before, "a failed pull changed \(existing)")
    }
}

/// `klein serve` in the scratch directory of a test's `ClientCLI`, with `fault_proxy.py` in front of it.
private struct ProxiedServe {
    let server: KleinServe
    let proxy: FaultProxy

    /// Starts `klein serve`, pushes `image` straight to it as `app:v1` when one is given (so faults touch only
    /// what comes after), then starts the proxy.
    static func start(
        cli: ClientCLI, pushing image: ClientTestImage? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ProxiedServe {
        let server = try await KleinServe.start(scratch: cli.scratch)
        do {
            if let image { try cli.succeed(["push", image.location, "\(server.host)/app:v1"], sourceLocation: sourceLocation) }
            return ProxiedServe(server: server, proxy: try await FaultProxy.start(upstream: server.base))
        } catch {
            server.stop(sourceLocation: sourceLocation)
            throw error
        }
    }

    /// Stops the proxy, then the server (which must shut down cleanly on SIGTERM).
    func stop(sourceLocation: SourceLocation = #_sourceLocation) {
        proxy.stop()
        server.stop(sourceLocation: sourceLocation)
    }
}
