import Foundation
import Testing

/// `klein build`, `rebuild`, `verify` and `provenance` end to end, with real sources (a git repository
/// and an HTTP server made by the test, a Debian package pinned from apt at test time, an OCI
/// artifact) and real peers (skopeo, umoci, runc).
@Suite(.serialized) struct BuildInteropTests {
    /// Builds a spec using every source kind, rebuilds it from the image alone, and runs it: skopeo
    /// copies it, umoci unpacks it and runc runs the `main` artifact (busybox from the .deb).
    @Test func everySourceKindRebuildsAndRuns() throws {
        let scratch = try Scratch()
        let dir = scratch.path
        let commit = try BuildFixtures.gitRepository(at: "\(dir)/repo", files: ["src/msg.txt": "hello from git\n", "src/run.sh": "echo run\n"])
        try scratch.write("served/tool.txt", "downloaded bytes\n")
        let server = try StaticFileServer(directory: "\(dir)/served")
        let toolSHA = try BuildFixtures.sha256(of: "\(dir)/served/tool.txt")
        let busybox = try BuildFixtures.pinnedPackage("busybox-static")
        try scratch.write("chart.tgz", "chart bytes\n")
        let artifact = try Tools.klein("artifact", "push", "oci:\(dir)/artifacts:chart", "\(dir)/chart.tgz:application/x-tar", "--artifact-type", "application/vnd.test.chart")
            .split(separator: "\n").last.map(String.init) ?? ""
        try scratch.write("local/etc/app.conf", "port = 8080\n")
        try scratch.write("klein.build.toml", """
        schema = 1
        id = "kinds"
        version = "1.0.0"
        epoch = 1700000000
        platform = "linux/amd64"

        [[artifact]]
        name = "main"
        source = { kind = "deb", name = "busybox-static", version = "\(busybox.version)", sha256 = "\(busybox.sha256)" }
        entrypoint = ["/bin/busybox", "cat", "/srv/src/msg.txt", "/etc/tool.txt", "/opt/chart/chart.tgz", "/conf/etc/app.conf"]

        [[artifact]]
        name = "repo"
        source = { kind = "git", url = "repo", commit = "\(commit)" }
        dest = "/srv"

        [[artifact]]
        name = "tool"
        source = { kind = "url", url = "\(server.url("tool.txt"))", sha256 = "\(toolSHA)" }
        dest = "/etc/tool.txt"
        mode = "0600"

        [[artifact]]
        name = "chart"
        source = { kind = "oci", image = "oci:artifacts@\(artifact)" }
        dest = "/opt/chart"

        [[artifact]]
        name = "conf"
        source = { kind = "local", path = "local" }
        dest = "/conf"
        owner = "1000:1000"
        """)
        let digest = try Tools.klein("build", "\(dir)/klein.build.toml", "-o", "oci:\(dir)/out:kinds").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(digest.hasPrefix("sha256:"))

        let rebuild = try Tools.run("klein", ["rebuild", "oci:\(dir)/out:kinds"])
        #expect(rebuild.succeeded, "\(rebuild.stdout)\(rebuild.stderr)")
        #expect(rebuild.stdout.components(separatedBy: "identical").count - 1 == 3 + 5 + 1, "\(rebuild.stdout)")

        let provenance = try Tools.klein("provenance", "oci:\(dir)/out:kinds")
        #expect(provenance.contains("conf") && provenance.contains("perfectly regeneratable"))
        #expect(provenance.contains(commit) && provenance.contains(busybox.version) && provenance.contains("reputably immutable"))
        let verify = try Tools.run("klein", ["verify", "oci:\(dir)/out:kinds", "--context", dir])
        #expect(verify.succeeded && verify.stdout.components(separatedBy: "verified").count - 1 == 5, "\(verify.stdout)\(verify.stderr)")

        // The provenance statement is a referrer of the build.
        let referrers = try Tools.klein("artifact", "discover", "oci:\(dir)/out:kinds")
        #expect(referrers.contains("application/vnd.in-toto+json"), "\(referrers)")

        // Peers: skopeo picks the linux/amd64 manifest, umoci unpacks it, runc runs main.
        try Tools.peer("skopeo", "copy", "--quiet", "oci:\(dir)/out:kinds", "oci:\(dir)/pulled:kinds")
        try Tools.peer("umoci", "unpack", "--image", "\(dir)/pulled:kinds", "\(dir)/bundle")
        let configURL = URL(fileURLWithPath: "\(dir)/bundle/config.json")
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        var process = try #require(config["process"] as? [String: Any])
        process["terminal"] = false
        config["process"] = process
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        let output = try Tools.peer("runc", "run", "klein-build-\(UUID().uuidString.prefix(8))", in: "\(dir)/bundle")
        #expect(output == "hello from git\ndownloaded bytes\nchart bytes\nport = 8080\n")
        var info = stat()
        #expect(stat("\(dir)/bundle/rootfs/etc/tool.txt", &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(stat("\(dir)/bundle/rootfs/conf/etc/app.conf", &info) == 0 && info.st_uid == 1000)
    }

    /// verify names what changed: an altered embedded source, a commit gone from its repository, a URL
    /// now serving other bytes.
    @Test func verifyDetectsEachKindOfChange() throws {
        let scratch = try Scratch()
        let dir = scratch.path
        let commit = try BuildFixtures.gitRepository(at: "\(dir)/repo", files: ["a.txt": "one\n"])
        try scratch.write("served/file.txt", "original\n")
        let server = try StaticFileServer(directory: "\(dir)/served")
        let sha = try BuildFixtures.sha256(of: "\(dir)/served/file.txt")
        try scratch.write("main.txt", "main\n")
        try scratch.write("klein.build.toml", """
        schema = 1
        id = "verify"
        version = "1.0.0"
        platform = "linux/amd64"
        [[artifact]]
        name = "main"
        source = { kind = "local", path = "main.txt" }
        dest = "/main.txt"
        [[artifact]]
        name = "repo"
        source = { kind = "git", url = "repo", commit = "\(commit)" }
        dest = "/repo"
        [[artifact]]
        name = "file"
        source = { kind = "url", url = "\(server.url("file.txt"))", sha256 = "\(sha)" }
        dest = "/file.txt"
        [[artifact]]
        name = "root"
        source = { kind = "local", path = "tree" }
        dest = "/"
        """)
        try scratch.write("tree/srv/root.txt", "at the root\n")
        try Tools.klein("build", "\(dir)/klein.build.toml", "-o", "oci:\(dir)/out:v")
        #expect(try Tools.run("klein", ["verify", "oci:\(dir)/out:v", "--context", dir]).succeeded)

        // The URL now serves other bytes; the repository's history was rewritten.
        try scratch.write("served/file.txt", "changed\n")
        let changedSHA = try BuildFixtures.sha256(of: "\(dir)/served/file.txt")
        try FileManager.default.removeItem(atPath: "\(dir)/repo")
        try BuildFixtures.gitRepository(at: "\(dir)/repo", files: ["a.txt": "rewritten\n"])
        var result = try Tools.run("klein", ["verify", "oci:\(dir)/out:v", "--context", dir])
        #expect(!result.succeeded)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("main") && $0.contains("verified") }, "\(result.stdout)")
        #expect(lines.contains { $0.hasPrefix("repo") && $0.contains("failed") && $0.contains("commit \(commit) is not in repo") }, "\(result.stdout)")
        #expect(lines.contains { $0.hasPrefix("file") && $0.contains("mismatch") && $0.contains("sha256:\(sha)") && $0.contains("sha256:\(changedSHA)") }, "\(result.stdout)")

        // An embedded source altered in the layout: verify and rebuild both refuse it.
        let index = try scratch.json("out/index.json")
        let manifests = try #require(index["manifests"] as? [[String: Any]])
        let root = try #require(manifests.first?["digest"] as? String).dropFirst(7)
        let buildIndex = try scratch.json("out/blobs/sha256/\(root)")
        let sourcesDigest = try #require((buildIndex["manifests"] as? [[String: Any]])?[1]["digest"] as? String).dropFirst(7)
        let sources = try scratch.json("out/blobs/sha256/\(sourcesDigest)")
        let mainBlob = try #require((sources["layers"] as? [[String: Any]])?.first?["digest"] as? String).dropFirst(7)
        // The tree at "/" is its embedded archive: rebuild checks that archive's digest. A valid gzip
        // stream of other bytes is still named as altered.
        let rootBlob = try #require((sources["layers"] as? [[String: Any]])?.last?["digest"] as? String).dropFirst(7)
        let original = try scratch.read("out/blobs/sha256/\(rootBlob)")
        try Tools.peer("sh", "-c", "printf other | gzip -n > \(dir)/out/blobs/sha256/\(rootBlob)")
        result = try Tools.run("klein", ["rebuild", "oci:\(dir)/out:v"])
        #expect(!result.succeeded && result.stderr.contains("root") && result.stderr.contains("altered"), "\(result.stderr)")
        try original.write(to: URL(fileURLWithPath: "\(dir)/out/blobs/sha256/\(rootBlob)"))
        #expect(try Tools.run("klein", ["rebuild", "oci:\(dir)/out:v"]).succeeded)

        try scratch.write("out/blobs/sha256/\(mainBlob)", "tampered\n")
        result = try Tools.run("klein", ["verify", "oci:\(dir)/out:v", "--context", dir])
        #expect(result.stdout.split(separator: "\n").contains { $0.hasPrefix("main") && $0.contains("mismatch") }, "\(result.stdout)")
        result = try Tools.run("klein", ["rebuild", "oci:\(dir)/out:v"])
        #expect(!result.succeeded && result.stderr.contains("altered"), "\(result.stderr)")
    }

    /// A spec that pins nothing is refused with every problem, its key and line, and nothing is written.
    @Test func unpinnedSpecIsRefusedWithoutSideEffects() throws {
        let scratch = try Scratch()
        try scratch.write("klein.build.toml", """
        schema = 1
        id = "bad"
        version = "1.0.0"
        base = "docker.io/library/debian:12"
        [[artifact]]
        name = "main"
        source = { kind = "git", url = "https://example.com/x.git", ref = "main" }
        dest = "/x"
        [[artifact]]
        name = "tool"
        source = { kind = "url", url = "https://example.com/tool" }
        dest = "/tool"
        colour = "blue"
        """)
        let result = try Tools.run("klein", ["build", "\(scratch.path)/klein.build.toml", "-o", "oci:\(scratch.path)/out:bad"])
        #expect(!result.succeeded)
        for expected in ["line 4: base", "line 7: artifact[0].source.commit", "line 11: artifact[1].source.sha256", "line 13: artifact[1].colour"] {
            #expect(result.stderr.contains(expected), "missing \(expected) in \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(scratch.path)/out"))
    }
}
