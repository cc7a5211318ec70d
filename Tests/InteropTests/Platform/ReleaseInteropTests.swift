import Foundation
import Testing

/// `klein release` against `klein serve` and OCI layouts: a tag resolved once, a missing or
/// unrunnable image refused without an event, an index pinned by its own digest, the release
/// artifact pushed and found through the referrers API, and rollbacks appended to the chain.
@Suite struct ReleaseInteropTests {
    static let manifest = """
        schema = 1
        app = "web"
        [process]
        cmd = ["/bin/serve"]
        [[ports]]
        name = "http"
        port = 8080
        protocol = "http"
        """

    /// An image in `layout` under `ref` built by umoci, with `cmd` (none when nil) and exposed ports.
    static func image(_ scratch: Scratch, ref: String, cmd: String?, exposed: [String] = [], layout: String = "images") throws -> String {
        let path = "\(scratch.path)/\(layout)"
        if !FileManager.default.fileExists(atPath: "\(path)/oci-layout") { try Tools.peer("umoci", "init", "--layout", path) }
        try Tools.peer("umoci", "new", "--image", "\(path):\(ref)")
        var arguments = ["config", "--image", "\(path):\(ref)", "--architecture", "amd64", "--os", "linux"]
        if let cmd { arguments += ["--config.cmd", cmd] }
        for port in exposed { arguments += ["--config.exposedports", port] }
        try Tools.peer("umoci", arguments)
        return "oci:\(path):\(ref)"
    }

    @Test func tagIsResolvedOnceAndTheReleaseIsPushedAsAReferrer() async throws {
        let scratch = try Scratch()
        let server = try await KleinServe.start(scratch: scratch)
        defer { server.stop() }
        let data = "\(scratch.path)/data"
        try scratch.write("web.toml", Self.manifest)
        let first = try Self.image(scratch, ref: "one", cmd: "/bin/one", exposed: ["8080/tcp"])
        let second = try Self.image(scratch, ref: "two", cmd: "/bin/two", exposed: ["8080/tcp"])
        let repository = "\(server.host)/web"
        try Tools.klein("copy", first, "\(repository):v1")
        let firstDigest = try Tools.klein("resolve", "\(repository):v1").trimmingCharacters(in: .whitespacesAndNewlines)

        let release = try Tools.klein("release", "create", "--image", "\(repository):v1", "--manifest", "\(scratch.path)/web.toml", "--data", data)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // The tag moves; the release keeps the digest it named at creation.
        try Tools.klein("copy", second, "\(repository):v1")
        #expect(try Tools.klein("resolve", "\(repository):v1").trimmingCharacters(in: .whitespacesAndNewlines) != firstDigest)
        let shown = try JSONSerialization.jsonObject(with: Data(try Tools.klein("release", "show", release, "--data", data, "--json").utf8)) as? [String: Any]
        #expect(shown?["image"] as? String == firstDigest)
        #expect(shown?["image_reference"] as? String == "\(repository):v1")

        // Pushed beside the image and listed among its referrers, by the API itself.
        let pushed = try Tools.klein("release", "push", release, "--data", data).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(pushed == release)
        let referrers = try #require(try JSONSerialization.jsonObject(with: try await server.http.get("/v2/web/referrers/\(firstDigest)").body) as? [String: Any])
        let entries = try #require(referrers["manifests"] as? [[String: Any]])
        #expect(entries.contains { $0["digest"] as? String == release && $0["artifactType"] as? String == "application/vnd.klein.release.v1" },
                "\(entries)")
        // Its layer is the canonical effective manifest, whose digest is the manifest hash.
        let hash = try Tools.klein("manifest", "hash", "\(scratch.path)/web.toml").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(shown?["manifest_hash"] as? String == hash)
        let artifact = try await server.http.get("/v2/web/manifests/\(release)", accept: "application/vnd.oci.image.manifest.v1+json")
        let layers = (try JSONSerialization.jsonObject(with: artifact.body) as? [String: Any])?["layers"] as? [[String: Any]]
        #expect(layers?.first?["digest"] as? String == hash)
    }

    @Test func missingAndUnrunnableImagesAreRefusedWithoutAnEvent() throws {
        let scratch = try Scratch()
        let data = "\(scratch.path)/data"
        try scratch.write("web.toml", Self.manifest)
        try scratch.write("bare.toml", "schema = 1\napp = \"bare\"\n")
        let noProcess = try Self.image(scratch, ref: "bare", cmd: nil)

        var result = try Tools.run("klein", ["release", "create", "--image", "oci:\(scratch.path)/images:absent", "--manifest", "\(scratch.path)/web.toml", "--data", data])
        #expect(!result.succeeded && result.stderr.contains("absent"), "\(result.stderr)")
        result = try Tools.run("klein", ["release", "create", "--image", noProcess, "--manifest", "\(scratch.path)/bare.toml", "--data", data])
        #expect(!result.succeeded && result.stderr.contains("no process to run"), "\(result.stderr)")
        result = try Tools.run("klein", ["release", "create", "--image", noProcess, "--manifest", "\(scratch.path)/missing.toml", "--data", data])
        #expect(!result.succeeded && result.stderr.contains("missing.toml"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(data)/events.sqlite"), "a refused release must not create the log")

        // The manifest can supply the process the image lacks; mismatched ports are a warning.
        result = try Tools.run("klein", ["release", "create", "--image", noProcess, "--manifest", "\(scratch.path)/web.toml", "--data", data])
        #expect(result.succeeded, "\(result.stderr)")
        #expect(result.stderr.contains("warning:") && result.stderr.contains("8080/tcp"), "\(result.stderr)")
        #expect(try Tools.klein("events", "verify", "--data", data).contains("1 event,"))
    }

    @Test func anIndexStaysPinnedByTheIndexDigest() throws {
        let scratch = try Scratch()
        let data = "\(scratch.path)/data"
        try scratch.write("web.toml", Self.manifest)
        _ = try Self.image(scratch, ref: "amd", cmd: "/bin/a", exposed: ["8080/tcp"])
        try Tools.peer("umoci", "new", "--image", "\(scratch.path)/images:arm")
        try Tools.peer("umoci", "config", "--image", "\(scratch.path)/images:arm", "--architecture", "arm64", "--os", "linux", "--config.cmd", "/bin/a")
        let index = try Tools.klein("index", "create", "oci:\(scratch.path)/images:multi", "--manifest", "amd", "--manifest", "arm")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let release = try Tools.klein("release", "create", "--image", "oci:\(scratch.path)/images:multi", "--manifest", "\(scratch.path)/web.toml", "--data", data)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = try JSONSerialization.jsonObject(with: Data(try Tools.klein("release", "show", release, "--data", data, "--json").utf8)) as? [String: Any]
        #expect(shown?["image"] as? String == index, "index create printed \(index)")
        // Creating the same pair again records nothing.
        let again = try Tools.run("klein", ["release", "create", "--image", "oci:\(scratch.path)/images:multi", "--manifest", "\(scratch.path)/web.toml", "--data", data])
        #expect(again.succeeded && again.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == release && again.stderr.contains("nothing recorded"))
        #expect(try Tools.klein("events", "verify", "--data", data).contains("1 event,"))
    }

    @Test func rollbacksAreNewEventsPointingAtEarlierReleases() throws {
        let scratch = try Scratch()
        let data = "\(scratch.path)/data"
        let image = try Self.image(scratch, ref: "app", cmd: "/bin/app", exposed: ["8080/tcp"])
        var releases: [String] = []
        for memory in ["256Mi", "512Mi", "1Gi"] {
            try scratch.write("web.toml", Self.manifest + "\n[resources]\nmemory = \"\(memory)\"\n")
            releases.append(try Tools.klein("release", "create", "--image", image, "--manifest", "\(scratch.path)/web.toml", "--data", data)
                .trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(Set(releases).count == 3)
        let diff = try Tools.klein("release", "diff", releases[0], releases[2], "--data", data)
        #expect(diff.contains("image: unchanged") && diff.contains("~ resources.memory: \"256Mi\" -> \"1Gi\""), "\(diff)")

        var refused = try Tools.run("klein", ["release", "rollback", "web", "--data", data])
        #expect(!refused.succeeded && refused.stderr.contains("never been deployed"), "\(refused.stderr)")
        try Tools.klein("release", "deploy", releases[0], "--data", data)
        try Tools.klein("release", "deploy", releases[2], "--data", data)
        refused = try Tools.run("klein", ["release", "rollback", "web", "--to", releases[1], "--data", data])
        #expect(!refused.succeeded && refused.stderr.contains("never deployed"), "\(refused.stderr)")
        let rolled = try Tools.klein("release", "rollback", "web", "--data", data)
        #expect(rolled.contains("\(releases[2]) -> \(releases[0])"), "\(rolled)")
        let list = try Tools.klein("release", "list", "web", "--data", data)
        #expect(list.split(separator: "\n").contains { $0.hasPrefix("*") && $0.contains(String(releases[0].dropFirst(7).prefix(12))) }, "\(list)")

        let events = try Tools.klein("events", "show", "--json", "--data", data).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(events.map { $0["kind"] as? String } == ["release.created", "release.created", "release.created", "deploy.requested", "deploy.requested", "rollback"])
        let rollback = events.last?["payload"] as? [String: Any]
        #expect(rollback?["release"] as? String == releases[0] && rollback?["from"] as? String == releases[2])
        for (index, event) in events.enumerated().dropFirst() {
            #expect(event["previous"] as? String == events[index - 1]["hash"] as? String)
        }
        #expect(try Tools.klein("events", "verify", "--data", data).contains("6 events, chain intact"))
    }
}
