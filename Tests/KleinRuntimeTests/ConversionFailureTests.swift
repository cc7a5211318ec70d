import Testing
import KleinPlatform
@testable import KleinRuntime

/// Conversions that must fail: `Fixtures/<config>.config.json` over a root built for the case, and the
/// phrases the error must contain — the input at fault and why. Each runs under a deadline, so an
/// account file that blocks (a FIFO) fails the case rather than hanging the run.
@Suite(.timeLimit(.minutes(2))) struct ConversionFailureTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// The config fixture; the case's own unless it tests deployment or node settings.
        var config: String
        var rootfs: [RootEntry]
        var deployment = Deployment()
        var node = ConversionDefaults.node
        let phrases: [String]

        init(_ name: String, config: String? = nil, rootfs: [RootEntry] = ConversionDefaults.accounts, deployment: Deployment = Deployment(),
             node: NodeConfiguration = ConversionDefaults.node, _ phrases: [String]) {
            self.name = name
            self.config = config ?? name
            self.rootfs = rootfs
            self.deployment = deployment
            self.node = node
            self.phrases = phrases
        }

        var testDescription: String { name }
    }

    static let passwdOnly: [RootEntry] = [.file("etc/passwd", ConversionDefaults.passwd)]
    static let groupOnly: [RootEntry] = [.file("etc/group", ConversionDefaults.group)]

    static func node(gpus: [NodeConfiguration.GPU]) -> NodeConfiguration {
        NodeConfiguration(platform: .host, volumesDirectory: "/srv/volumes", secretsDirectory: "/srv/secrets", gpus: gpus)
    }

    static let cases: [Case] = [
        // Config.User: "does not correspond to a user in the container's context" — an error (conversion.md).
        Case("user-missing", ["image:", "User \"ghost\"", "/etc/passwd has no user \"ghost\""]),
        Case("group-missing", ["User \"app:ghosts\"", "/etc/group has no group \"ghosts\""]),
        Case("uid-wraps", ["User \"4294967296\"", "uid 4294967296 is out of range"]),
        Case("uid-minus-one", ["User \"4294967295\"", "uid 4294967295 is out of range"]),
        Case("gid-wraps", ["User \"0:4294967296\"", "gid 4294967296 is out of range"]),
        Case("user-no-passwd", rootfs: groupOnly, ["User \"app\"", "names the user \"app\"", "no /etc/passwd"]),
        Case("group-no-group-file", rootfs: passwdOnly, ["User \"app:staff\"", "names the group \"staff\"", "no /etc/group"]),
        Case("user-malformed", ["User \"app:\"", "is not user, uid, user:group"]),
        // Account files are the image's own, regular, bounded, and never block.
        Case("passwd-fifo", rootfs: [.fifo("etc/passwd")] + groupOnly, ["refusing the image", "/etc/passwd", "FIFO", "not a regular file"]),
        Case("group-fifo", rootfs: passwdOnly + [.fifo("etc/group")], ["refusing the image", "/etc/group", "FIFO", "not a regular file"]),
        Case("passwd-directory", rootfs: [.directory("etc/passwd")] + groupOnly, ["/etc/passwd", "directory", "not a regular file"]),
        Case("passwd-symlink-loop", rootfs: [.symlink("etc/passwd", to: "/etc/passwd")], ["/etc/passwd", "too many levels of symbolic links"]),
        Case("passwd-too-large", rootfs: [.filler("etc/passwd", count: (4 << 20) + 1)], ["/etc/passwd", "4194305 bytes", "over the limit"]),
        // /etc/passwd -> /etc/shadow is the image's shadow file: the host's has daemon, the image's does not.
        Case("shadow-not-host", rootfs: [.file("etc/shadow", "shadowuser:x:4242:4343::/:/bin/sh\n"), .symlink("etc/passwd", to: "/etc/shadow")],
             ["/etc/passwd has no user \"daemon\""]),
        // Something to run.
        Case("no-process", ["nothing to run", "Entrypoint", "Cmd"]),
        Case("empty-process", ["nothing to run"]),
        Case("empty-entrypoint-override", config: "user-absent", deployment: ConversionDefaults.deployment { $0.entrypoint = [] }, ["nothing to run"]),
        Case("env-malformed", ["Env[1]", "\"BAD\"", "NAME=VALUE"]),
        Case("env-empty-name", ["Env[0]", "\"=value\"", "NAME=VALUE"]),
        // Volumes stay out of the kernel's file systems and off symlinks.
        Case("volume-proc", ["the image volume \"/proc/sys/kernel\" is inside /proc", "inside /proc, /sys or /dev"]),
        Case("volume-dotdot", ["the image volume \"/data/../proc\"", "leads to /proc", "inside /proc, /sys or /dev"]),
        Case("volume-root", ["the image volume \"/\" is the root itself"]),
        Case("volume-symlink", rootfs: [.symlink("data", to: "/proc")], ["the image volume \"/data/x\"", "leads to /proc/x", "symlinks"]),
        Case("volume-limit", ["65 Volumes", "at most 64"]),
        // The working directory stays in the image's own files.
        Case("workdir-proc-fd", ["WorkingDir \"/proc/self/fd/7\"", "inside the kernel's /proc"]),
        Case("workdir-symlink-proc", rootfs: [.symlink("work", to: "/proc/self/fd")], ["WorkingDir \"/work\"", "leads to /proc/self/fd"]),
        Case("workdir-dotdot-proc", ["WorkingDir", "/a/b/../../proc/self/fd/7"]),
        Case("workdir-relative", ["WorkingDir \"app\"", "not an absolute path"]),
        Case("workdir-file", ["WorkingDir \"/etc/passwd\"", "regular file", "not a directory"]),
        Case("workdir-under-file", ["WorkingDir \"/etc/passwd/home\"", "/etc/passwd is a regular file", "not a directory"]),
        Case("workdir-deployment-sys", config: "user-absent", deployment: ConversionDefaults.deployment { $0.workdir = "/sys/fs/cgroup" },
             ["WorkingDir \"/sys/fs/cgroup\"", "inside the kernel's /sys"]),
        // Deployment and node settings.
        Case("volumes-without-app", config: "user-absent", deployment: ConversionDefaults.deployment {
            $0.volumes = [Deployment.Volume(name: "db", path: "/data", readOnly: false)]
        }, ["volumes and secrets need an app name"]),
        Case("mount-through-image-symlink", config: "user-absent", rootfs: [.symlink("data", to: "/etc")], deployment: ConversionDefaults.deployment {
            $0.app = "web"
            $0.volumes = [Deployment.Volume(name: "db", path: "/data", readOnly: false)]
        }, ["the mount path /data", "symlink", "/etc"]),
        Case("gpus-missing", config: "user-absent", deployment: ConversionDefaults.deployment { $0.gpus = .init(count: 2, kind: "nvidia") },
             node: node(gpus: [.init(kind: "nvidia", devices: ["/dev/null"]), .init(kind: "amd", devices: ["/dev/zero"])]),
             ["2 nvidia GPUs requested", "this node has 1"]),
        Case("gpu-not-under-dev", config: "user-absent", deployment: ConversionDefaults.deployment { $0.gpus = .init(count: 1, kind: "nvidia") },
             node: node(gpus: [.init(kind: "nvidia", devices: ["/dev/../etc/passwd"])]), ["node configuration", "/dev/../etc/passwd", "not a path under /dev"]),
        Case("gpu-not-a-device", config: "user-absent", deployment: ConversionDefaults.deployment { $0.gpus = .init(count: 1, kind: "nvidia") },
             node: node(gpus: [.init(kind: "nvidia", devices: ["/dev/shm"])]), ["/dev/shm", "not a character or block device"]),
    ]

    @Test(arguments: cases) func refused(_ testCase: Case) throws {
        let config = try ConversionFixtures.config(testCase.config)
        let outcome = try convert(config, rootfs: testCase.rootfs, deployment: testCase.deployment, node: testCase.node)
        guard case let .failure(error) = outcome else {
            Issue.record("\(testCase.name): expected an error containing \(testCase.phrases), got a plan")
            return
        }
        for phrase in testCase.phrases {
            #expect(error.description.contains(phrase), "\(testCase.name): \"\(error)\" lacks \"\(phrase)\"")
        }
    }
}
