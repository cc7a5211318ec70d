import Foundation
import Testing

/// Malicious images (and node content) against `klein spec`, `klein run` and `klein bundle`: each is
/// refused or neutralized with a message naming the input and the reason, exits non-zero, runs
/// nothing, and writes nothing outside the data directory.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RuntimeHostileImageTests {
    /// Runs `image` expecting a refusal whose message holds every one of `expected`; nothing may run.
    static func expectRefused(_ fixture: RuntimeFixture, _ arguments: [String], _ expected: [String],
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let run = try fixture.klein(["run"] + arguments, seconds: 60)
        #expect(run.status != 124, "klein hung on \(arguments)", sourceLocation: sourceLocation)
        #expect(run.status != 0 && run.stdout.isEmpty, "\(arguments) ran: \(run.status) \(run.stdout)", sourceLocation: sourceLocation)
        for text in expected {
            #expect(run.stderr.contains(text), "expected \"\(text)\" in: \(run.stderr)", sourceLocation: sourceLocation)
        }
        #expect(run.stderr.split(separator: "\n").count <= 3, "one clear line: \(run.stderr)", sourceLocation: sourceLocation)
        fixture.expectNothingLeft(sourceLocation: sourceLocation)
    }

    /// The image's /etc/passwd points at the host's files; "daemon" exists only on the host.
    @Test(arguments: [
        ("/etc/hostname", ["User \"daemon\"", "the image has no /etc/passwd"]),
        // Inside the image this is /etc/passwd itself: a loop, not the host's file.
        ("../../../../../../etc/passwd", ["/etc/passwd", "too many levels of symbolic links"]),
        ("../../../../../../etc/shadow", ["User \"daemon\"", "the image's /etc/passwd has no user \"daemon\""]),
    ])
    func passwdSymlinksResolveInsideTheImage(target: String, expected: [String]) throws {
        let hostPasswd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
        try #require(hostPasswd.split(separator: "\n").contains { $0.hasPrefix("daemon:") }, "the host must have a daemon user for this test")
        let fixture = try RuntimeFixture()
        let image = try fixture.busybox("evil", accounts: false, config: RuntimeFixture.cmd("id")) { root in
            try FileManager.default.createSymbolicLink(atPath: "\(root)/etc/passwd", withDestinationPath: target)
            // The image's own shadow file, in passwd format, without daemon.
            try Data("app:x:1000:1000::/:/bin/sh\n".utf8).write(to: URL(fileURLWithPath: "\(root)/etc/shadow"))
        }
        try Tools.peer("umoci", "config", "--image", "\(fixture.layout):evil", "--config.user", "daemon")
        try Self.expectRefused(fixture, [image], expected)
        if target.hasSuffix("shadow") {
            // The symlink names the image's own file: its users resolve.
            try Tools.peer("umoci", "config", "--image", "\(fixture.layout):evil", "--config.user", "app")
            let user = (try fixture.spec(image).json["process"] as? [String: Any])?["user"] as? [String: Any]
            #expect((user?["uid"] as? NSNumber)?.intValue == 1000 && (user?["gid"] as? NSNumber)?.intValue == 1000, "\(String(describing: user))")
        }
    }

    @Test(.timeLimit(.minutes(1))) func aFIFOForPasswdIsRefusedWithoutBlocking() throws {
        let fixture = try RuntimeFixture()
        let image = try fixture.busybox("fifo", accounts: false, config: RuntimeFixture.cmd("id") + ["--config.user", "app"]) { root in
            try Tools.peer("mkfifo", "\(root)/etc/passwd")
        }
        try Self.expectRefused(fixture, [image], ["/etc/passwd", "FIFO", "not a regular file"])
        let spec = try fixture.klein(["spec", image], seconds: 30)
        #expect(spec.status != 124 && !spec.succeeded && spec.stderr.contains("FIFO"), "\(spec.status) \(spec.stderr)")
    }

    /// `/run` in the image leads elsewhere; the secret would land there, on the host if followed outside.
    @Test(arguments: ["/etc", "/tmp", "../../../../etc"])
    func aSecretMountThroughAnImageSymlinkIsRefused(target: String) throws {
        let fixture = try RuntimeFixture()
        let unique = "klein-secret-\(UUID().uuidString.prefix(8).lowercased())"
        let image = try fixture.busybox("evil", config: RuntimeFixture.cmd("true")) { root in
            try FileManager.default.createDirectory(atPath: "\(root)/tmp", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: "\(root)/run", withDestinationPath: target)
        }
        try fixture.write("secrets/demo/db/password", "hunter2\n")
        let manifest = try fixture.write("demo.toml", "schema = 1\napp = \"demo\"\n[[secrets]]\nname = \"db\"\npath = \"/run/\(unique)/db\"\n")
        try Self.expectRefused(fixture, [image, "--manifest", manifest, "--node", try fixture.node()],
                               ["/run/\(unique)/db", "goes through a symlink"])
        let bundle = try fixture.klein("bundle", image, "\(fixture.scratch.path)/bundle", "--manifest", manifest, "--node", try fixture.node())
        #expect(!bundle.succeeded && bundle.stderr.contains("goes through a symlink"), "\(bundle.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(fixture.scratch.path)/bundle"), "a refused bundle leaves nothing")
        for place in ["/etc/\(unique)", "/tmp/\(unique)"] {
            #expect(!FileManager.default.fileExists(atPath: place), "the secret escaped to the host's \(place)")
        }
        for cached in fixture.cachedRootfs() {
            #expect(!FileManager.default.fileExists(atPath: "\(fixture.data)/rootfs/\(cached)/etc/\(unique)"))
            #expect(!FileManager.default.fileExists(atPath: "\(fixture.data)/rootfs/\(cached)/tmp/\(unique)"))
        }
    }

    /// Image volumes are container-private directories in the image's own files: a path through an
    /// image symlink is followed inside the image (as runc resolves a destination), never into /dev.
    @Test(arguments: [("/run/data", "/etc/data"), ("/dev/sda", nil), ("/run/../dev/sda", nil)])
    func anImageVolumeStaysInTheImagesOwnFiles(volume: String, resolved: String?) throws {
        let fixture = try RuntimeFixture()
        let image = try fixture.busybox("evil", config: RuntimeFixture.cmd("true") + ["--config.volume", volume]) { root in
            try FileManager.default.createSymbolicLink(atPath: "\(root)/run", withDestinationPath: "/etc")
        }
        guard let resolved else {
            try Self.expectRefused(fixture, [image], [volume, "inside /proc, /sys or /dev"])
            return
        }
        let (spec, _) = try fixture.spec(image)
        let destinations = (spec["mounts"] as? [[String: Any]] ?? []).compactMap { $0["destination"] as? String }
        #expect(destinations.contains(resolved) && !destinations.contains(volume), "\(destinations)")
        let run = try fixture.klein("run", image)
        #expect(run.succeeded, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/etc/data"))
        fixture.expectNothingLeft()
    }

    /// A working directory in /proc/self/fd is the runc CVE-2024-21626 escape; through a symlink too,
    /// and behind a combining mark that makes "/\u{338}" one Swift Character (runc splits at the byte).
    @Test(arguments: ["/proc/self/fd/5", "/w", "/w/../../proc/self/cwd", "/proc", "/proc/\u{338}/../self/fd/5"])
    func aWorkingDirectoryInProcIsRefused(workdir: String) throws {
        let fixture = try RuntimeFixture()
        let image = try fixture.busybox("evil", config: RuntimeFixture.cmd("true") + ["--config.workingdir", workdir]) { root in
            try FileManager.default.createSymbolicLink(atPath: "\(root)/w", withDestinationPath: "/proc/self/fd/5")
        }
        try Self.expectRefused(fixture, [image], ["WorkingDir", workdir, "/proc"])
        // The manifest's workdir is checked the same way.
        let plain = try fixture.busybox("plain", config: RuntimeFixture.cmd("true"))
        let manifest = try fixture.write("demo.toml", "schema = 1\napp = \"demo\"\n[process]\nworkdir = \"/proc/self/fd/5\"\n")
        let run = try fixture.klein("run", plain, "--manifest", manifest)
        #expect(!run.succeeded && run.stderr.contains("/proc/self/fd/5"), "\(run.stderr)")
        fixture.expectNothingLeft()
    }

    /// A working directory below a regular file cannot be made: refused before anything runs, and the
    /// run's overlay and bundle go away with the refusal.
    @Test func aWorkingDirectoryBelowAFileIsRefusedAndCleanedUp() throws {
        let fixture = try RuntimeFixture()
        let image = try fixture.busybox("evil", config: RuntimeFixture.cmd("true") + ["--config.workingdir", "/bin/busybox/x"])
        try Self.expectRefused(fixture, [image], ["/bin/busybox/x", "not a directory"])
        let bundle = try fixture.klein("bundle", image, "\(fixture.scratch.path)/bundle")
        #expect(!bundle.succeeded && !FileManager.default.fileExists(atPath: "\(fixture.scratch.path)/bundle"), "\(bundle.stderr)")
    }

    @Test func labelsCannotAddDevicesOrRuntimeAnnotations() throws {
        let fixture = try RuntimeFixture()
        let dropped = ["run.oci.handler=krun", "run.oci.keep_original_groups=1", "org.systemd.property.DeviceAllow=/dev/sda rwm",
                       "org.criu.config=/etc/shadow", "io.kubernetes.cri.container-type=sandbox"]
        let labels = dropped + ["org.opencontainers.runtime.devices=/dev/sda", "com.example.fine=yes"]
        let image = try fixture.busybox("labels", config: RuntimeFixture.cmd("sh", "-c", "test ! -e /dev/sda && echo no-sda")
            + labels.flatMap { ["--config.label", $0] })
        let (spec, warnings) = try fixture.spec(image)
        let linux = spec["linux"] as? [String: Any]
        #expect((linux?["devices"] as? [Any] ?? []).isEmpty, "\(String(describing: linux?["devices"]))")
        let rules = (linux?["resources"] as? [String: Any])?["devices"] as? [[String: Any]]
        #expect(rules?.count == 1 && rules?.first?["allow"] as? Bool == false, "only deny-all: \(String(describing: rules))")
        let annotations = spec["annotations"] as? [String: String] ?? [:]
        for label in dropped {
            let key = String(label.prefix { $0 != "=" })
            #expect(annotations[key] == nil, "\(key) became an annotation")
            #expect(warnings.contains("warning:") && warnings.contains(key), "no warning names \(key): \(warnings)")
        }
        #expect(annotations["com.example.fine"] == "yes")
        let run = try fixture.klein("run", image)
        #expect(run.succeeded && run.stdout == "no-sda\n", "\(run.status) \(run.stdout) \(run.stderr)")
        fixture.expectNothingLeft()
    }

    @Test(arguments: ["4294967296", "4294967296:0", "0:4294967296", "99999999999", "4294967295", "18446744073709551616:app"])
    func anOutOfRangeUserIsAnError(user: String) throws {
        let fixture = try RuntimeFixture()
        let image = try fixture.busybox("huge", config: RuntimeFixture.cmd("id") + ["--config.user", user])
        try Self.expectRefused(fixture, [image], ["User \"\(user)\"", "out of range"])
    }

    /// A secret bundle on the node holding a symlink to a host file: refused, nothing copied, and the
    /// run's overlay and bundle are cleaned up like after any run.
    @Test func aSecretBundleSymlinkToAHostFileIsRefusedAndCleanedUp() throws {
        let fixture = try RuntimeFixture()
        let image = try fixture.busybox("plain", config: RuntimeFixture.cmd("cat", "/run/secrets/db/password"))
        try FileManager.default.createDirectory(atPath: "\(fixture.scratch.path)/secrets/demo/db", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(fixture.scratch.path)/secrets/demo/db/password", withDestinationPath: "/etc/shadow")
        let manifest = try fixture.write("demo.toml", "schema = 1\napp = \"demo\"\n[[secrets]]\nname = \"db\"\npath = \"/run/secrets/db\"\n")
        try Self.expectRefused(fixture, [image, "--manifest", manifest, "--node", try fixture.node()], ["secrets/demo/db", "password", "not a regular file"])
        // A missing secret bundle fails the same way after the overlay is mounted.
        let missing = try fixture.write("missing.toml", "schema = 1\napp = \"demo\"\n[[secrets]]\nname = \"absent\"\npath = \"/run/secrets/absent\"\n")
        try Self.expectRefused(fixture, [image, "--manifest", missing, "--node", try fixture.node()], ["secrets/demo/absent", "not a directory"])
    }
}
