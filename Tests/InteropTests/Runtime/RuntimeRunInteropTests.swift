import Foundation
import Testing

/// `klein run`, `klein spec` and `klein bundle` on busybox images under real runc: the
/// process, environment and exit code, releases, named volumes, secrets, memory limits, the rootfs
/// cache, and bundles that runc runs by itself.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RuntimeRunInteropTests {
    /// The image sets A and B; the manifest overrides A, adds C, and supplies the command.
    static func manifest(_ extra: String = "", process: String = "", script: String = "echo \"args:$0:$1\"; env | sort; exit 7") -> String {
        """
        schema = 1
        app = "demo"
        [process]
        \(process)
        cmd = ["sh", "-c", \(quoted(script)), "x", "y z"]
        env = { A = "manifest", C = "new" }
        \(extra)
        """
    }

    /// A TOML basic string.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    static func image(_ fixture: RuntimeFixture, ref: String = "bb", env: [String] = ["A=image", "B=image"]) throws -> String {
        try fixture.busybox(ref, config: RuntimeFixture.cmd("sh", "-c", "echo image-cmd:$A:$D") + env.flatMap { ["--config.env", $0] })
    }

    static func lines(_ text: String) -> [Substring] { text.split(separator: "\n") }

    @Test func manifestEnvironmentArgumentsAndExitCode() throws {
        let fixture = try RuntimeFixture()
        let image = try Self.image(fixture)
        let manifest = try fixture.write("demo.toml", Self.manifest())
        let run = try fixture.klein("run", image, "--manifest", manifest)
        #expect(run.status == 7, "\(run.stderr)")
        let lines = Self.lines(run.stdout)
        #expect(lines.first == "args:x:y z", "\(run.stdout)")
        #expect(lines.contains("A=manifest") && lines.contains("B=image") && lines.contains("C=new"), "\(run.stdout)")
        #expect(lines.filter { $0.hasPrefix("A=") }.count == 1, "the manifest's A replaces the image's: \(run.stdout)")
        #expect(!run.stdout.contains("image-cmd"))
        // Without a manifest the image's own Cmd and Env run, with --env added; exit 0 is 0.
        let plain = try fixture.klein("run", image, "--env", "D=flag")
        #expect(plain.succeeded && plain.stdout == "image-cmd:image:flag\n", "\(plain.stdout) \(plain.stderr)")
        fixture.expectNothingLeft()
    }

    @Test func releaseRunsTheImageItPinned() throws {
        let fixture = try RuntimeFixture()
        let image = try Self.image(fixture)
        let manifest = try fixture.write("demo.toml", Self.manifest())
        let created = try fixture.klein("release", "create", "--image", image, "--manifest", manifest)
        try #require(created.succeeded, "\(created.stderr)")
        let release = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // The tag moves to an image with another B; the release keeps the digest it recorded.
        try Tools.peer("umoci", "config", "--image", "\(fixture.layout):bb", "--config.env", "B=moved")
        for name in [release, String(release.dropFirst(7).prefix(12))] {
            let run = try fixture.klein("run", name)
            #expect(run.status == 7, "\(run.stderr)")
            let lines = Self.lines(run.stdout)
            #expect(lines.contains("A=manifest") && lines.contains("B=image") && lines.contains("C=new"), "\(run.stdout)")
        }
        let moved = try fixture.klein("run", image, "--manifest", manifest)
        #expect(Self.lines(moved.stdout).contains("B=moved"), "\(moved.stdout)")
        let annotations = try fixture.spec(release).json["annotations"] as? [String: Any]
        #expect(annotations?["dev.klein.release"] as? String == release && annotations?["dev.klein.app"] as? String == "demo")
        let refused = try fixture.klein("run", release, "--manifest", manifest)
        #expect(!refused.succeeded && refused.stderr.contains("is a release"), "\(refused.stderr)")
        fixture.expectNothingLeft()
    }

    @Test func namedVolumesAreTheNodesDirectories() throws {
        let fixture = try RuntimeFixture()
        let image = try Self.image(fixture)
        try fixture.write("volumes/demo/data/in.txt", "from the host\n")
        try fixture.write("volumes/demo/config/app.conf", "setting=1\n")
        let manifest = try fixture.write("demo.toml", Self.manifest("""
            [[volumes]]
            name = "data"
            path = "/var/lib/demo"
            [[volumes]]
            name = "config"
            path = "/etc/demo"
            read_only = true
            [[volumes]]
            name = "fresh"
            path = "/cache"
            """, script: """
            cat /var/lib/demo/in.txt /etc/demo/app.conf && echo written > /var/lib/demo/out.txt && echo cached > /cache/c.txt \
            && if touch /etc/demo/new 2>/dev/null; then echo config-writable; fi
            """))
        let run = try fixture.klein("run", image, "--manifest", manifest, "--node", try fixture.node())
        #expect(run.succeeded && run.stdout == "from the host\nsetting=1\n", "\(run.status) \(run.stdout) \(run.stderr)")
        #expect(String(decoding: try fixture.scratch.read("volumes/demo/data/out.txt"), as: UTF8.self) == "written\n")
        #expect(String(decoding: try fixture.scratch.read("volumes/demo/fresh/c.txt"), as: UTF8.self) == "cached\n", "a missing volume is created")
        #expect(!FileManager.default.fileExists(atPath: "\(fixture.scratch.path)/volumes/demo/config/new"))
        fixture.expectNothingLeft()
    }

    @Test func secretsAreCopiesWithTheDeclaredModeAndOwnerMountedReadOnly() throws {
        let fixture = try RuntimeFixture()
        let image = try Self.image(fixture)
        let secret = try fixture.write("secrets/demo/db/password", "hunter2\n")
        try Tools.peer("chmod", "0600", secret)
        let manifest = try fixture.write("demo.toml", Self.manifest("""
            [[secrets]]
            name = "db"
            path = "/run/secrets/db"
            mode = "0440"
            owner = "1000:1000"
            """, script: """
            stat -c '%a %u %g' /run/secrets/db/password; cat /run/secrets/db/password
            echo changed > /run/secrets/db/password || echo write-refused; touch /run/secrets/db/new || echo create-refused
            """))
        let run = try fixture.klein("run", image, "--manifest", manifest, "--node", try fixture.node())
        #expect(run.succeeded, "\(run.status) \(run.stderr)")
        #expect(run.stdout == "440 1000 1000\nhunter2\nwrite-refused\ncreate-refused\n", "\(run.stdout)")
        #expect(run.stderr.contains("Read-only file system"), "root in the container is refused by the mount, not by permissions: \(run.stderr)")
        #expect(String(decoding: try fixture.scratch.read("secrets/demo/db/password"), as: UTF8.self) == "hunter2\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: secret)
        #expect((attributes[.posixPermissions] as? Int) == 0o600, "the node's own file keeps its mode")
        // As the secret's owner (uid 1000), the file is readable too.
        let owner = try fixture.write("owner.toml", Self.manifest("""
            [[secrets]]
            name = "db"
            path = "/run/secrets/db"
            mode = "0440"
            owner = "1000:1000"
            """, process: "user = \"app\"", script: "id -u; cat /run/secrets/db/password"))
        let asOwner = try fixture.klein("run", image, "--manifest", owner, "--node", try fixture.node())
        #expect(asOwner.succeeded && asOwner.stdout == "1000\nhunter2\n", "\(asOwner.stdout) \(asOwner.stderr)")
        fixture.expectNothingLeft()
    }

    @Test func theMemoryCapKillsAProcessThatExceedsIt() throws {
        let fixture = try RuntimeFixture()
        let image = try Self.image(fixture)
        let manifest = try fixture.write("demo.toml", Self.manifest("[resources]\nmemory = \"32Mi\"", script: "head -c 300000000 /dev/zero | tail -n 1"))
        let linux = try fixture.spec(image, "--manifest", manifest).json["linux"] as? [String: Any]
        let memory = (linux?["resources"] as? [String: Any])?["memory"] as? [String: Any]
        #expect((memory?["limit"] as? NSNumber)?.int64Value == 33_554_432, "\(String(describing: linux?["resources"]))")
        let run = try fixture.klein("run", image, "--manifest", manifest)
        #expect(run.status == 137, "tail holds 300 MB of one line; the 32 MiB cap must kill it: \(run.status) \(run.stderr)")
        // The same pipeline under the default 512Mi cap completes.
        let roomy = try fixture.write("roomy.toml", Self.manifest(script: "head -c 30000000 /dev/zero | tail -n 1 | wc -c"))
        let completed = try fixture.klein("run", image, "--manifest", roomy)
        #expect(completed.succeeded && completed.stdout == "30000000\n", "\(completed.status) \(completed.stdout) \(completed.stderr)")
        fixture.expectNothingLeft()
    }

    /// crun 1.8 refuses this kind of machine's hybrid cgroup setup, so the runtime is chosen here by
    /// path and by node.toml; picking crun from PATH is a KleinRuntimeTests unit test.
    @Test func theRuntimeIsChosenByFlagOrNodeConfiguration() throws {
        let fixture = try RuntimeFixture()
        let image = try Self.image(fixture)
        let manifest = try fixture.write("demo.toml", Self.manifest(script: "echo chosen:$A; exit 3"))
        let runc = try Tools.path(of: "runc")
        let run = try fixture.klein("run", image, "--manifest", manifest, "--runtime", runc)
        #expect(run.status == 3 && run.stdout == "chosen:manifest\n", "--runtime: \(run.status) \(run.stdout) \(run.stderr)")
        let node = try fixture.write("runtime-node.toml", "runtime = \"\(runc)\"\n")
        let configured = try fixture.klein("run", image, "--manifest", manifest, "--node", node)
        #expect(configured.status == 3 && configured.stdout == "chosen:manifest\n", "node.toml: \(configured.status) \(configured.stderr)")
        let missing = try fixture.klein("run", image, "--runtime", "\(fixture.scratch.path)/no-such-runtime")
        #expect(!missing.succeeded && missing.stderr.contains("no OCI runtime found"), "\(missing.stderr)")
        fixture.expectNothingLeft()
    }

    @Test func aSecondRunReusesTheUnpackedImageAndLeavesItUnchanged() throws {
        let fixture = try RuntimeFixture()
        let image = try Self.image(fixture)
        let manifest = try fixture.write("demo.toml", Self.manifest(script: "test ! -e /marker && echo clean > /marker && cat /marker"))
        var durations: [TimeInterval] = []
        for _ in 0..<2 {
            let start = Date()
            let run = try fixture.klein("run", image, "--manifest", manifest)
            durations.append(Date().timeIntervalSince(start))
            #expect(run.succeeded && run.stdout == "clean\n", "each run starts from the image, not the last run's writes: \(run.stdout) \(run.stderr)")
            #expect(fixture.cachedRootfs().count == 1, "\(fixture.cachedRootfs())")
            fixture.expectNothingLeft()
        }
        let cached = try #require(fixture.cachedRootfs().first)
        #expect(cached.count == 64 && cached.allSatisfy(\.isHexDigit), "DATA/rootfs/<chain id>: \(cached)")
        #expect(!FileManager.default.fileExists(atPath: "\(fixture.data)/rootfs/\(cached)/marker"), "the container wrote into the cache")
        // `klein spec` reads the same cache and adds nothing to it.
        _ = try fixture.spec(image, "--manifest", manifest)
        #expect(fixture.cachedRootfs() == [cached])
        print("klein run: first \(durations[0])s, second \(durations[1])s")
    }

    @Test func runcRunsABundleKleinWrote() throws {
        let fixture = try RuntimeFixture()
        let image = try Self.image(fixture)
        try fixture.write("secrets/demo/db/password", "hunter2\n")
        let manifest = try fixture.write("demo.toml", Self.manifest("""
            [[secrets]]
            name = "db"
            path = "/run/secrets/db"
            """, script: "echo \"$A $B $C\"; cat /run/secrets/db/password; exit 5"))
        let bundle = "\(fixture.scratch.path)/bundle"
        let written = try fixture.klein("bundle", image, bundle, "--manifest", manifest, "--node", try fixture.node())
        try #require(written.succeeded, "\(written.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: bundle)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        let config = try fixture.scratch.json("bundle/config.json")
        #expect((config["process"] as? [String: Any])?["cwd"] as? String == "/")
        let id = "klein-interop-\(UUID().uuidString.prefix(8).lowercased())"
        defer { _ = try? Tools.run("runc", ["delete", "--force", id]) }
        let run = try Tools.run("runc", ["run", "--bundle", bundle, id])
        #expect(run.status == 5 && run.stdout == "manifest image new\nhunter2\n", "\(run.status) \(run.stdout) \(run.stderr)")
        // A bundle directory that is not empty is refused and left as it was.
        let again = try fixture.klein("bundle", image, bundle, "--manifest", manifest, "--node", try fixture.node())
        #expect(!again.succeeded && again.stderr.contains("not an empty directory"), "\(again.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(bundle)/config.json"))
    }
}
