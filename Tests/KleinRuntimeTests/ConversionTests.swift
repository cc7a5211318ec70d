import Foundation
import KleinOCI
import Testing
import KleinPlatform
@testable import KleinRuntime

/// Golden conversions (image-spec conversion.md): each case is `Fixtures/<name>.config.json`, a root
/// file system built for it, deployment settings, and the hand-checked `Fixtures/<name>.expected.json`
/// — the whole `config.json` — plus the plan's preparations and warnings.
@Suite(.timeLimit(.minutes(2))) struct ConversionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        var rootfs: [RootEntry] = ConversionDefaults.accounts
        var deployment = Deployment()
        var node = ConversionDefaults.node
        var preparations: [BundlePlan.Preparation] = []
        var warnings: [String] = []

        var testDescription: String { name }
    }

    /// `/etc/group` lists app in wheel and audio, in its own group, and in near-misses that must not match.
    /// (CRLF account files: `ConversionTableTests.accountFilesWithCRLF`.)
    static let memberships: [RootEntry] = [
        .file("etc/passwd", "# accounts\nroot:x:0:0:root:/root:/bin/sh\n\napp:x:1000:1000::/home/app:/bin/sh\napp2:x:1001:1001::/:/bin/sh\n"),
        .file("etc/group", "root:x:0:\nwheel:x:10:root,app\naudio:x:29:app\napp:x:1000:app\ndocker:x:999:bob,application\napps:x:1001:app2\n"),
    ]

    static let cases: [Case] = [
        // No User: uid 0, gid 0, additionalGids [0]; no Env: the default PATH alone.
        Case(name: "user-absent"),
        // "app": passwd gid 1000, then wheel 10 and audio 29 in /etc/group order; 1000 not repeated.
        Case(name: "user-named", rootfs: memberships),
        // "33": www's gid 33; a numeric user gets no supplementary groups (conversion.md), so not staff.
        Case(name: "user-uid-known"),
        // "4242", in no /etc/passwd line: gid 0.
        Case(name: "user-uid-unknown"),
        // "app:staff": uid 1000, gid 50, only that group. "www:4000": the gid verbatim.
        Case(name: "user-names"),
        Case(name: "user-name-gid"),
        // "1234:5678" with no /etc at all; "4294967294:4294967294", the largest ids accepted.
        Case(name: "user-uid-gid-no-passwd", rootfs: []),
        // "4242:staff": uid verbatim, gid 50.
        Case(name: "user-uid-group"),
        Case(name: "user-max-id", rootfs: []),
        // Image duplicates kept as written; set A replaces every A at the first one's place; unset B removes
        // both; NEW appended; PATH present, so no default.
        Case(name: "env-merge", deployment: ConversionDefaults.deployment {
            $0.environment = [.set(name: "A", value: "9"), .unset(name: "B"), .set(name: "NEW", value: "n")]
        }),
        // No PATH (PATHEXT is another name): the default appended after the image's entries; HOME replaced in place.
        Case(name: "env-default-path", deployment: ConversionDefaults.deployment { $0.environment = [.set(name: "HOME", value: "/home/app")] }),
        // Entrypoint + Cmd; then a deployment entrypoint, which drops the image's Cmd, and a workdir.
        Case(name: "args-entrypoint-cmd"),
        Case(name: "args-override", rootfs: ConversionDefaults.accounts + [.directory("srv")], deployment: ConversionDefaults.deployment {
            $0.entrypoint = ["/bin/server", "--once"]
            $0.workdir = "/srv"
        }),
        // Sorted volume paths get volumes/0, 1, 2, with the image directory's owner and mode (root 0755 when absent).
        Case(name: "volumes", rootfs: ConversionDefaults.accounts + [
            .directory("data", uid: 1000, gid: 1000, mode: 0o750), .directory("var/lib/db", mode: 0o1777),
        ], preparations: [
            .anonymousVolume(source: "volumes/0", uid: 0, gid: 0, permissions: 0o755),
            .anonymousVolume(source: "volumes/1", uid: 1000, gid: 1000, permissions: 0o750),
            .anonymousVolume(source: "volumes/2", uid: 0, gid: 0, permissions: 0o1777),
            .directory(path: "/cache"), .directory(path: "/data"), .directory(path: "/var/lib/db"),
        ]),
        // A named volume replaces the image volume /data (index 1 stays unused); the secret is ro and noexec.
        Case(name: "volumes-deployment", deployment: ConversionDefaults.deployment {
            $0.app = "web"
            $0.volumes = [Deployment.Volume(name: "db", path: "/data", readOnly: false)]
            $0.secrets = [Deployment.Secret(name: "tls", path: "/run/secrets/tls", mode: 0o400, uid: 1000, gid: 1000)]
        }, preparations: [
            .namedVolume(hostPath: "/srv/volumes/web/db", uid: 1000, gid: 1000),
            .secret(hostPath: "/srv/secrets/web/tls", source: "secrets/tls", mode: 0o400, uid: 1000, gid: 1000),
            .anonymousVolume(source: "volumes/0", uid: 0, gid: 0, permissions: 0o755),
            .directory(path: "/cache"), .directory(path: "/data"), .directory(path: "/run/secrets/tls"),
        ], warnings: ["the image volume /data is replaced by the deployment's mount there"]),
        // Image keys as written ("80" stays "80"), deployment ports the image lacks, by number then text.
        Case(name: "ports", deployment: ConversionDefaults.deployment {
            $0.ports = [.init(port: 443, transport: "tcp"), .init(port: 80, transport: "tcp"), .init(port: 53, transport: "udp"), .init(port: 53, transport: "tcp")]
        }),
        // Every implicit annotation; a label wins over os; runtime-namespace labels dropped, warnings in key order.
        Case(name: "annotations", deployment: ConversionDefaults.deployment {
            $0.app = "web"
            $0.release = Digest.of(Array("r1".utf8))
        }, warnings: ["dev.klein.app", "io.kubernetes.cri-o.Devices", "org.systemd.property.ExecStartPre", "run.oci.handler"].map {
            "the image label \($0) was not converted to an annotation: runtimes act on that namespace"
        }),
        // Device- and mount-looking labels stay inert annotations: no linux.devices, no extra mount.
        Case(name: "labels-inject"),
        // A missing WorkingDir below a symlink (/srv -> /opt): cwd as written, created where the link leads.
        Case(name: "workdir-missing", rootfs: ConversionDefaults.accounts + [.directory("opt"), .symlink("srv", to: "/opt")],
             preparations: [.directory(path: "/opt/app")]),
        // /etc/passwd -> /etc/shadow and /etc/group -> ../../../../../lib/group both resolve inside the rootfs.
        Case(name: "account-symlinks", rootfs: [
            .file("etc/shadow", "shadowuser:x:4242:4343::/:/bin/sh\n"), .symlink("etc/passwd", to: "/etc/shadow"),
            .file("lib/group", "shadowgrp:x:4343:shadowuser\nextra:x:77:other,shadowuser\n"),
            .symlink("etc/group", to: "../../../../../lib/group"),
        ]),
        // 512 MiB; 1500m = quota 150000 per period 100000, shares 1536; 512 pids; a writable root.
        Case(name: "resources", deployment: ConversionDefaults.deployment {
            $0.memoryLimit = 512 << 20
            $0.millicores = 1500
            $0.pidsLimit = 512
            $0.writableRoot = true
        }),
        // The first nvidia GPU of the node: null (c 1:3) and zero (c 1:5), 0666 root, each with an allow rule.
        Case(name: "gpus", deployment: ConversionDefaults.deployment { $0.gpus = Deployment.GPURequest(count: 1, kind: "nvidia") },
             node: NodeConfiguration(platform: .host, volumesDirectory: "/srv/volumes", secretsDirectory: "/srv/secrets", gpus: [
                 .init(kind: "amd", devices: ["/dev/full"]),
                 .init(kind: "nvidia", devices: ["/dev/null", "/dev/zero"]),
                 .init(kind: "nvidia", devices: ["/dev/random", "/dev/zero"]),
             ])),
    ]

    @Test(arguments: cases) func golden(_ testCase: Case) throws {
        let config = try ConversionFixtures.config(testCase.name)
        let outcome = try convert(config, rootfs: testCase.rootfs, deployment: testCase.deployment, node: testCase.node)
        guard case let .plan(plan) = outcome else {
            Issue.record("\(testCase.name): expected a plan, got \(outcome)")
            return
        }
        let expected = try JSONParser.parse(ConversionFixtures.bytes("\(testCase.name).expected.json"))
        let actual = plan.spec.jsonValue
        let differences = JSONDifferences.between(expected: expected, actual: actual)
        #expect(differences.isEmpty, """
            \(testCase.name): config.json differs from Fixtures/\(testCase.name).expected.json:
            \(differences.joined(separator: "\n"))
            expected:
            \(String(decoding: expected.indentedBytes, as: UTF8.self))
            actual:
            \(String(decoding: actual.indentedBytes, as: UTF8.self))
            """)
        #expect(plan.preparations == testCase.preparations, "\(testCase.name): preparations")
        #expect(plan.warnings == testCase.warnings, "\(testCase.name): warnings")
    }

    /// The fixtures directory holds exactly the cases' config and expected files: none orphaned, none missing.
    @Test func everyFixtureIsUsed() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: ConversionFixtures.directory.path)
            .filter { $0.hasSuffix(".config.json") || $0.hasSuffix(".expected.json") }
        let golden = Set(Self.cases.map(\.name))
        let failing = Set(ConversionFailureTests.cases.compactMap { $0.config == $0.name ? $0.name : nil })
        let expected = golden.flatMap { ["\($0).config.json", "\($0).expected.json"] } + failing.map { "\($0).config.json" }
        #expect(Set(names) == Set(expected))
        #expect(golden.count >= 15)
    }
}
