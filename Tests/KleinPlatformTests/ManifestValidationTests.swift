import KleinConfig
import Testing
@testable import KleinPlatform

/// Table-driven tests of `PlatformManifest.validate(toml:file:)`: each case is a manifest and either
/// the effective values (and for some the content hash) it must produce, or the exact problems, as
/// `ConfigProblem.description` prints them (`line N: key.path: message`), in the order they are thrown.
@Suite struct ManifestValidationTests {
    typealias Value = ConfigDocument.Value

    enum Expected: Sendable {
        /// Valid: the content hash (when given), effective values at key paths, key paths absent from the effective manifest.
        case valid(hash: String? = nil, values: [String: Value] = [:], absent: [String] = [])
        /// Invalid with exactly these problems, in order.
        case problems([String])
        /// Invalid with at least one problem (for known issues whose exact wording is the fixer's choice).
        case rejected
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let toml: String
        let expected: Expected

        init(_ name: String, _ toml: String, _ expected: Expected) {
            self.name = name
            self.toml = toml
            self.expected = expected
        }

        var testDescription: String { name }
    }

    /// `schema = 1` and `app = "a"` on lines 1 and 2, then `body` from line 3.
    static func manifest(_ body: String) -> String { "schema = 1\napp = \"a\"\n" + body }

    static let minimalHash = "sha256:c94d7a29066560cc4cc8930b64c981181f2310656bbfcf8df5a00475086a4bf9"

    static let rootKeys = "app, checks, network, ports, process, resources, rollout, schema, secrets, volumes"
    static let notAName = "is not a name: use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit, at most 63 characters"
    static let cpuRange = "is out of range: it must be 1m to 1024000m (1024 cores)"

    // MARK: - Generated families (one case per spelling)

    /// `[resources] cpu = <spelling>` on line 4.
    static func cpu(_ spelling: String, _ expected: Expected) -> Case {
        Case("resources.cpu = \(spelling)", manifest("[resources]\ncpu = \(spelling)\n"), expected)
    }

    static func cpu(_ spelling: String, is canonical: String) -> Case {
        cpu(spelling, .valid(values: ["resources.cpu": .string(canonical)]))
    }

    static func cpu(_ spelling: String, problem: String) -> Case {
        cpu(spelling, .problems(["line 4: resources.cpu: \(problem)"]))
    }

    /// `app = <spelling>` on line 2.
    static func app(_ spelling: String, problem: String?) -> Case {
        Case("app = \(spelling)", "schema = 1\napp = \(spelling)\n",
             problem.map { .problems(["line 2: app: \($0)"]) } ?? .valid())
    }

    /// One `[[secrets]]` with `mode = <spelling>` on line 6 and `owner = <owner>` on line 7.
    static func secret(mode: String, owner: String = #""0:0""#, _ expected: Expected) -> Case {
        Case("secret mode = \(mode), owner = \(owner)", manifest("""
            [[secrets]]
            name = "s"
            path = "/run/s"
            mode = \(mode)
            owner = \(owner)

            """), expected)
    }

    /// `[process] user = <spelling>` on line 4.
    static func user(_ spelling: String, problem: String?) -> Case {
        Case("process.user = \(spelling)", manifest("[process]\nuser = \(spelling)\n"),
             problem.map { .problems(["line 4: process.user: \($0)"]) } ?? .valid(values: ["process.user": .string(String(spelling.dropFirst().dropLast()))]))
    }

    /// `[process] workdir = <spelling>` on line 4 and one volume with `path = <spelling>` on line 7.
    static func paths(workdir: String, mount: String, _ problems: [String]) -> Case {
        Case("workdir = \(workdir), volume path = \(mount)", manifest("""
            [process]
            workdir = \(workdir)
            [[volumes]]
            name = "v"
            path = \(mount)

            """), problems.isEmpty ? .valid() : .problems(problems))
    }

    /// `[rollout]` with `max_unavailable` on line 4 and `max_surge` on line 5.
    static func rollout(unavailable: String, surge: String, _ expected: Expected) -> Case {
        Case("max_unavailable = \(unavailable), max_surge = \(surge)", manifest("[rollout]\nmax_unavailable = \(unavailable)\nmax_surge = \(surge)\n"), expected)
    }

    /// `[resources]` with `memory` on line 4 and `disk` on line 5.
    static func sizes(memory: String, disk: String, _ expected: Expected) -> Case {
        Case("memory = \(memory), disk = \(disk)", manifest("[resources]\nmemory = \(memory)\ndisk = \(disk)\n"), expected)
    }

    /// One exec check with `interval` on line 7 and `timeout` on line 8.
    static func timing(interval: String, timeout: String, _ expected: Expected) -> Case {
        Case("check interval = \(interval), timeout = \(timeout)", manifest("""
            [[checks]]
            name = "c"
            kind = "exec"
            command = ["true"]
            interval = \(interval)
            timeout = \(timeout)

            """), expected)
    }

    // MARK: - The cases

    static let cases: [Case] = valid + invalidValues + invalidStructure + rules + syntax + formerBugs

    static let valid: [Case] = [
        Case("minimal manifest, every default filled in", "schema = 1\napp = \"a\"\n", .valid(hash: minimalHash, values: [
            "schema": .integer(1), "app": .string("a"), "process.env": .table([:]), "ports": .array([]), "checks": .array([]),
            "volumes": .array([]), "secrets": .array([]), "resources.cpu": .string("1000m"), "resources.memory": .string("512Mi"),
            "resources.disk": .string("1Gi"), "resources.pids": .integer(1024), "rollout.strategy": .string("rolling"),
            "rollout.replicas": .integer(1), "rollout.max_unavailable": .string("25%"), "rollout.max_surge": .string("25%"),
            "rollout.min_healthy_time": .string("10s"), "rollout.auto_rollback": .bool(true),
            "network.default_exposure": .string("internal"), "network.internal_only": .bool(false),
        ], absent: ["process.entrypoint", "process.cmd", "process.workdir", "process.user", "resources.gpus"])),
        Case("explicit empty arrays and tables are the defaults", manifest("""
            ports = []
            checks = []
            volumes = []
            secrets = []
            process = {}
            resources = {}
            [rollout]
            [network]

            """), .valid(hash: minimalHash)),
        Case("every key written", manifest("""
            [process]
            entrypoint = ["/bin/server"]
            cmd = ["--port", "8080"]
            workdir = "/srv/app"
            user = "app:app"
            env = { LOG_LEVEL = "info", _X1 = "y" }

            [[ports]]
            name = "web"
            port = 8080
            protocol = "http"
            exposure = "public"

            [[ports]]
            name = "dns"
            port = 53
            protocol = "udp"

            [resources]
            cpu = 0.5
            memory = "1024Mi"
            disk = "2Gi"
            pids = 512
            gpus = { count = 1, kind = "nvidia" }

            [[checks]]
            name = "live"
            kind = "http"
            port = "web"
            path = "/healthz"
            status = 204
            interval = "60s"
            timeout = "500ms"

            [[checks]]
            name = "ready"
            kind = "exec"
            command = ["/bin/true"]

            [rollout]
            strategy = "canary"
            replicas = 3
            max_unavailable = 0
            max_surge = "50%"

            [[volumes]]
            name = "data"
            path = "/var/lib/data"
            size = "10Gi"

            [[secrets]]
            name = "tls"
            path = "/run/secrets/tls"
            mode = 0o440
            owner = "1000:1000"

            [network]
            default_exposure = "internal"

            """), .valid(hash: "sha256:eacafbc54383dd07660a4e1f2eadc432351d85dd1de2969458695a83ec295690", values: [
                "process.env": .table(["LOG_LEVEL": .string("info"), "_X1": .string("y")]),
                "process.cmd": .array([.string("--port"), .string("8080")]),
                "ports[0].exposure": .string("public"), "ports[1].exposure": .string("internal"), "ports[1].protocol": .string("udp"),
                "resources.cpu": .string("500m"), "resources.memory": .string("1Gi"),
                "resources.gpus": .table(["count": .integer(1), "kind": .string("nvidia")]),
                "checks[0].interval": .string("1m"), "checks[0].timeout": .string("500ms"), "checks[0].status": .integer(204),
                "checks[1].interval": .string("10s"), "checks[1].timeout": .string("2s"), "checks[1].grace_period": .string("0s"),
                "checks[1].failure_threshold": .integer(3), "rollout.max_unavailable": .integer(0), "rollout.min_healthy_time": .string("10s"),
                "volumes[0].read_only": .bool(false), "secrets[0].mode": .string("0440"), "secrets[0].owner": .string("1000:1000"),
            ], absent: ["checks[1].path", "checks[1].status", "checks[1].port"])),
        Case("names: the longest, digits and dashes", "schema = 1\napp = \"a\(String(repeating: "b1-", count: 20))bc\"\n[[ports]]\nname = \"x\"\nport = 1\n[[checks]]\nname = \"z9-0\"\nkind = \"tcp\"\nport = \"x\"\n",
             .valid(values: ["app": .string("a" + String(repeating: "b1-", count: 20) + "bc"), "checks[0].port": .string("x")])),
        sizes(memory: #""1.5Gi""#, disk: #""1Ti""#, .valid(values: ["resources.memory": .string("1536Mi"), "resources.disk": .string("1Ti")])),
        sizes(memory: #""4096Ki""#, disk: #""64Ti""#, .valid(values: ["resources.memory": .string("4Mi"), "resources.disk": .string("64Ti")])),
        sizes(memory: #""2G""#, disk: #""1500M""#, .valid(values: ["resources.memory": .string("2G"), "resources.disk": .string("1500M")])),
        sizes(memory: #""5000k""#, disk: #""3000000K""#, .valid(values: ["resources.memory": .string("5M"), "resources.disk": .string("3G")])),
        sizes(memory: "4194304", disk: #""1048576B""#, .valid(values: ["resources.memory": .string("4Mi"), "resources.disk": .string("1Mi")])),
        sizes(memory: #""5000001""#, disk: #""0.5T""#, .valid(values: ["resources.memory": .string("5000001B"), "resources.disk": .string("500G")])),
        sizes(memory: #""4Ti""#, disk: #""1.000000000001T""#, .valid(values: ["resources.memory": .string("4Ti"), "resources.disk": .string("1000000000001B")])),
        sizes(memory: #""0.25Gi""#, disk: "1000", .problems(["line 5: resources.disk: 1k is out of range: it must be 1Mi to 64Ti"])),
        Case("volume sizes and read_only", manifest("""
            [[volumes]]
            name = "a"
            path = "/a"
            size = "0.5Ti"
            read_only = true
            [[volumes]]
            name = "b"
            path = "/b"

            """), .valid(values: ["volumes[0].size": .string("512Gi"), "volumes[0].read_only": .bool(true),
                                  "volumes[1].size": .string("1Gi"), "volumes[1].read_only": .bool(false)])),
        timing(interval: #""1m30s""#, timeout: #""1500ms""#, .valid(values: ["checks[0].interval": .string("1m30s"), "checks[0].timeout": .string("1s500ms")])),
        timing(interval: #""1h""#, timeout: #""10m""#, .valid(values: ["checks[0].interval": .string("1h"), "checks[0].timeout": .string("10m")])),
        timing(interval: #""3600000ms""#, timeout: #""100ms""#, .valid(values: ["checks[0].interval": .string("1h"), "checks[0].timeout": .string("100ms")])),
        Case("grace period, threshold and min_healthy_time", manifest("""
            [[checks]]
            name = "c"
            kind = "tcp"
            port = "p"
            grace_period = "0ms"
            failure_threshold = 100
            [[ports]]
            name = "p"
            port = 65535
            [rollout]
            min_healthy_time = "90s"

            """), .valid(values: ["checks[0].grace_period": .string("0s"), "checks[0].failure_threshold": .integer(100),
                                  "rollout.min_healthy_time": .string("1m30s"), "ports[0].protocol": .string("tcp")],
                         absent: ["checks[0].path", "checks[0].status"])),
        cpu("2", is: "2000m"),
        cpu("0.25", is: "250m"),
        cpu(#""1.5""#, is: "1500m"),
        cpu(#""250m""#, is: "250m"),
        cpu(#""0.001""#, is: "1m"),
        cpu("1024", is: "1024000m"),
        cpu(#""1024000m""#, is: "1024000m"),
        cpu("1e-3", is: "1m"),
        rollout(unavailable: "0", surge: #""100%""#, .valid(values: ["rollout.max_unavailable": .integer(0), "rollout.max_surge": .string("100%")])),
        rollout(unavailable: #""007%""#, surge: "3", .valid(values: ["rollout.max_unavailable": .string("7%"), "rollout.max_surge": .integer(3)])),
        secret(mode: #""0440""#, owner: #""1000:1000""#, .valid(values: ["secrets[0].mode": .string("0440"), "secrets[0].owner": .string("1000:1000")])),
        secret(mode: "0o755", .valid(values: ["secrets[0].mode": .string("0755")])),
        secret(mode: #""644""#, .valid(values: ["secrets[0].mode": .string("0644")])),
        secret(mode: "0", .valid(values: ["secrets[0].mode": .string("0000")])),
        secret(mode: "0o7777", owner: #""4294967294:0""#, .valid(values: ["secrets[0].mode": .string("7777"), "secrets[0].owner": .string("4294967294:0")])),
        user(#""app""#, problem: nil),
        user(#""1000""#, problem: nil),
        user(#""1000:1000""#, problem: nil),
        user(#""app:staff""#, problem: nil),
        user(#""_svc.x-1""#, problem: nil),
        Case("env as a [process.env] table", manifest("""
            [process]
            cmd = ["a"]
            [process.env]
            A = "1"
            b_2 = ""

            """), .valid(values: ["process.env": .table(["A": .string("1"), "b_2": .string("")])])),
        Case("env as dotted keys", manifest("""
            [process]
            env.A = "1"
            env."B" = "two words"

            """), .valid(values: ["process.env": .table(["A": .string("1"), "B": .string("two words")])])),
        Case("every protocol; the same number on tcp and udp", manifest("""
            ports = [
              { name = "a", port = 53, protocol = "tcp" },
              { name = "b", port = 53, protocol = "udp" },
              { name = "c", port = 80, protocol = "http" },
              { name = "d", port = 443, protocol = "https" },
              { name = "e", port = 9000, protocol = "grpc" },
            ]

            """), .valid(values: ["ports[1].protocol": .string("udp"), "ports[4].port": .integer(9000), "ports[4].exposure": .string("internal")])),
        Case("http check defaults, tcp check, exec check", manifest("""
            [[ports]]
            name = "web"
            port = 80
            protocol = "http"
            [[checks]]
            name = "h"
            kind = "http"
            port = "web"
            [[checks]]
            name = "t"
            kind = "tcp"
            port = "web"
            [[checks]]
            name = "e"
            kind = "exec"
            command = ["check", "--quick"]

            """), .valid(values: ["checks[0].path": .string("/"), "checks[0].status": .integer(200), "checks[1].port": .string("web"),
                                  "checks[2].command": .array([.string("check"), .string("--quick")])],
                         absent: ["checks[1].path", "checks[1].status", "checks[2].port", "checks[2].path"])),
        Case("http check defaults path and status", manifest("""
            [[ports]]
            name = "web"
            port = 80
            [[checks]]
            name = "h"
            kind = "http"
            port = "web"
            path = "/healthz?full=1"

            """), .valid(values: ["checks[0].path": .string("/healthz?full=1"), "checks[0].status": .integer(200)], absent: ["checks[0].command"])),
        Case("canary with 2 replicas, auto_rollback off", manifest("""
            [rollout]
            strategy = "canary"
            replicas = 2
            auto_rollback = false

            """), .valid(values: ["rollout.replicas": .integer(2), "rollout.auto_rollback": .bool(false)])),
        Case("immediate with 0 replicas", manifest("rollout = { strategy = \"immediate\", replicas = 0 }\n"),
             .valid(values: ["rollout.strategy": .string("immediate"), "rollout.replicas": .integer(0)])),
        Case("default_exposure public is inherited by ports", manifest("""
            [network]
            default_exposure = "public"
            [[ports]]
            name = "web"
            port = 80
            [[ports]]
            name = "admin"
            port = 81
            exposure = "internal"

            """), .valid(values: ["ports[0].exposure": .string("public"), "ports[1].exposure": .string("internal")])),
        Case("internal_only with internal ports", manifest("""
            [network]
            internal_only = true
            [[ports]]
            name = "web"
            port = 80

            """), .valid(values: ["network.internal_only": .bool(true), "ports[0].exposure": .string("internal")])),
        paths(workdir: #""/""#, mount: #""/procfs""#, []),
        paths(workdir: #""/srv/my app""#, mount: #""/devices/x""#, []),
        Case("mount paths that only start like reserved ones", manifest("""
            [[volumes]]
            name = "a"
            path = "/system"
            [[secrets]]
            name = "b"
            path = "/proc-data"

            """), .valid(values: ["volumes[0].path": .string("/system"), "secrets[0].path": .string("/proc-data")])),
        Case("gpus of every kind", manifest("resources.gpus = { count = 64, kind = \"intel\" }\n"),
             .valid(values: ["resources.gpus": .table(["count": .integer(64), "kind": .string("intel")])])),
        Case("strings: literal, multi-line and escaped", manifest(#"""
            [process]
            entrypoint = ['C:\no\escapes', """two
            lines""", "tab\there \u00e9"]

            """#), .valid(values: ["process.entrypoint": .array([.string(#"C:\no\escapes"#), .string("two\nlines"), .string("tab\there é")])])),
    ]

    static let invalidValues: [Case] = [
        Case("empty file", "", .problems([
            "app: is required: The application's name: lowercase letters, digits and '-', at most 63.",
            "schema: is required: Manifest schema version.",
        ])),
        Case("only comments", "# a manifest\n\n# nothing else\n", .problems([
            "app: is required: The application's name: lowercase letters, digits and '-', at most 63.",
            "schema: is required: Manifest schema version.",
        ])),
        Case("schema 2", "schema = 2\napp = \"a\"\n", .problems(["line 1: schema: schema 2 is not supported; this Klein reads schema 1"])),
        Case("schema 0", "schema = 0\napp = \"a\"\n", .problems(["line 1: schema: schema 0 is not supported; this Klein reads schema 1"])),
        Case("schema as a string", "schema = \"1\"\napp = \"a\"\n", .problems(["line 1: schema: must be the integer 1, found a string"])),
        Case("schema as a float", "app = \"a\"\nschema = 1.0\n", .problems(["line 2: schema: must be the integer 1, found a float"])),
        app(#""Shop""#, problem: #""Shop" \#(notAName)"#),
        app(#""-a""#, problem: #""-a" \#(notAName)"#),
        app(#""a-""#, problem: #""a-" \#(notAName)"#),
        app(#""1a""#, problem: #""1a" \#(notAName)"#),
        app(#""a_b""#, problem: #""a_b" \#(notAName)"#),
        app(#""""#, problem: #""" \#(notAName)"#),
        app(#""é""#, problem: #""é" \#(notAName)"#),
        app("\"\(String(repeating: "a", count: 64))\"", problem: "\"\(String(repeating: "a", count: 64))\" \(notAName)"),
        app("5", problem: "must be a string, found an integer"),
        app(#"["a"]"#, problem: "must be a string, found an array"),
        app("1979-05-27", problem: "must be a string, found a date"),
        Case("integers out of range", manifest("""
            [[ports]]
            name = "a"
            port = 0
            [[ports]]
            name = "b"
            port = 65536
            [resources]
            pids = 0
            gpus = { count = 65, kind = "amd" }
            [rollout]
            replicas = 1001
            [[checks]]
            name = "c"
            kind = "http"
            port = "a"
            status = 99
            failure_threshold = 0
            [[checks]]
            name = "d"
            kind = "http"
            port = "a"
            status = 600
            failure_threshold = 101

            """), .problems([
                "line 5: ports[0].port: 0 is out of range: it must be 1 to 65535",
                "line 8: ports[1].port: 65536 is out of range: it must be 1 to 65535",
                "line 10: resources.pids: 0 is out of range: it must be 1 to 4194304",
                "line 11: resources.gpus.count: 65 is out of range: it must be 1 to 64",
                "line 13: rollout.replicas: 1001 is out of range: it must be 0 to 1000",
                "line 18: checks[0].status: 99 is out of range: it must be 100 to 599",
                "line 19: checks[0].failure_threshold: 0 is out of range: it must be 1 to 100",
                "line 24: checks[1].status: 600 is out of range: it must be 100 to 599",
                "line 25: checks[1].failure_threshold: 101 is out of range: it must be 1 to 100",
            ])),
        Case("wrong scalar types", manifest("""
            [resources]
            pids = "10"
            memory = true
            cpu = [1]
            [rollout]
            auto_rollback = "yes"
            strategy = 1
            replicas = 1.5
            max_surge = 1.5
            min_healthy_time = 10
            [[volumes]]
            name = "v"
            path = "/v"
            read_only = 1
            size = 1.5

            """), .problems([
                "line 4: resources.pids: must be an integer, found a string",
                #"line 5: resources.memory: must be a size such as "512Mi" or a number of bytes, found a boolean"#,
                #"line 6: resources.cpu: must be CPU as cores (2, 0.5) or millicores ("250m"), found an array"#,
                "line 8: rollout.auto_rollback: must be true or false, found a string",
                #"line 9: rollout.strategy: must be one of "rolling", "immediate", "canary", "bluegreen", found an integer"#,
                "line 10: rollout.replicas: must be an integer, found a float",
                #"line 11: rollout.max_surge: must be a count (0 or more) or a percentage such as "25%", found a float"#,
                #"line 12: rollout.min_healthy_time: must be a duration with a unit such as "10s" (a bare number has none), found an integer"#,
                "line 16: volumes[0].read_only: must be true or false, found an integer",
                #"line 17: volumes[0].size: must be a size such as "512Mi" or a number of bytes, found a float"#,
            ])),
        Case("choices with did-you-mean", manifest("""
            [[ports]]
            name = "web"
            port = 80
            protocol = "htp"
            exposure = "Public"
            [rollout]
            strategy = "blue-green"
            [network]
            default_exposure = "private"

            """), .problems([
                #"line 6: ports[0].protocol: "htp" is not one of "tcp", "udp", "http", "https", "grpc"; did you mean "http"?"#,
                #"line 7: ports[0].exposure: "Public" is not one of "public", "internal"; did you mean "public"?"#,
                #"line 9: rollout.strategy: "blue-green" is not one of "rolling", "immediate", "canary", "bluegreen"; did you mean "bluegreen"?"#,
                #"line 11: network.default_exposure: "private" is not one of "public", "internal""#,
            ])),
        Case("process strings and env", manifest("""
            [process]
            entrypoint = "/bin/sh"
            cmd = ["a", 1]
            env = { "1A" = "x", B = 2, "A-B" = "y", ok = "fine" }

            """), .problems([
                "line 4: process.entrypoint: must be an array of strings, found a string",
                "line 5: process.cmd[1]: must be a string, found an integer",
                #"line 6: process.env.1A: "1A" is not a variable name: use letters, digits and '_', not starting with a digit"#,
                #"line 6: process.env.A-B: "A-B" is not a variable name: use letters, digits and '_', not starting with a digit"#,
                "line 6: process.env.B: must be a string, found an integer",
            ])),
        Case("empty arrays and a non-table env", manifest("""
            [process]
            entrypoint = []
            cmd = []
            env = "LOG=1"

            """), .problems([
                "line 4: process.entrypoint: must not be empty; leave the key out to keep the image's",
                "line 5: process.cmd: must not be empty; leave the key out to keep the image's",
                #"line 6: process.env: must be a table of strings, such as { LOG_LEVEL = "info" }, found a string"#,
            ])),
        Case("gpus of the wrong type", manifest("""
            [resources]
            gpus = 1
            [[volumes]]
            name = "v"
            path = "/v"
            size = "1Gi"

            """), .problems(["line 4: resources.gpus: must be a table, found an integer"])),
        Case("gpus: empty and misspelled", manifest("""
            [resources.gpus]
            [rollout]
            [resources.x]

            """), .problems([
                "line 3: resources.gpus.count: is required: How many GPUs.",
                "line 3: resources.gpus.kind: is required: The GPU vendor.",
                "line 5: resources.x: unknown key (known: cpu, disk, gpus, memory, pids)",
            ])),
        Case("gpus: kind typo", manifest("resources.gpus = { count = 0, kind = \"nvdia\" }\n"), .problems([
            "line 3: resources.gpus.count: 0 is out of range: it must be 1 to 64",
            #"line 3: resources.gpus.kind: "nvdia" is not one of "nvidia", "amd", "intel"; did you mean "nvidia"?"#,
        ])),
        paths(workdir: #""srv""#, mount: #""data""#, [
            #"line 4: process.workdir: "srv" is not absolute; it must start with '/'"#,
            #"line 7: volumes[0].path: "data" is not absolute; it must start with '/'"#,
        ]),
        paths(workdir: #""/srv/""#, mount: #""/data/""#, [
            #"line 4: process.workdir: "/srv/" is not normalized: no empty, '.' or '..' components and no trailing '/'"#,
            #"line 7: volumes[0].path: "/data/" is not normalized: no empty, '.' or '..' components and no trailing '/'"#,
        ]),
        paths(workdir: #""/a//b""#, mount: #""/a/./b""#, [
            #"line 4: process.workdir: "/a//b" is not normalized: no empty, '.' or '..' components and no trailing '/'"#,
            #"line 7: volumes[0].path: "/a/./b" is not normalized: no empty, '.' or '..' components and no trailing '/'"#,
        ]),
        paths(workdir: #""/a/../b""#, mount: #""/""#, [
            #"line 4: process.workdir: "/a/../b" is not normalized: no empty, '.' or '..' components and no trailing '/'"#,
            #"line 7: volumes[0].path: "/" would hide the whole image; mount below it"#,
        ]),
        // A combining mark after '/' makes "/\u{338}" one Swift Character; the kernel still splits there.
        paths(workdir: #""/a/../\u0338b""#, mount: #""/proc/\u0338x""#, [
            "line 4: process.workdir: \"/a/../\u{338}b\" is not normalized: no empty, '.' or '..' components and no trailing '/'",
            "line 7: volumes[0].path: \"/proc/\u{338}x\" would shadow /proc, which the runtime provides; mount somewhere else",
        ]),
        paths(workdir: "1", mount: "true", [
            "line 4: process.workdir: must be an absolute path, found an integer",
            "line 7: volumes[0].path: must be an absolute path, found a boolean",
        ]),
        Case("mount paths that shadow /proc, /sys and /dev", manifest("""
            [[volumes]]
            name = "a"
            path = "/proc"
            [[volumes]]
            name = "b"
            path = "/sys/fs/cgroup"
            [[secrets]]
            name = "c"
            path = "/dev"
            [[secrets]]
            name = "d"
            path = "/dev/shm"

            """), .problems([
                #"line 5: volumes[0].path: "/proc" would shadow /proc, which the runtime provides; mount somewhere else"#,
                #"line 8: volumes[1].path: "/sys/fs/cgroup" would shadow /sys, which the runtime provides; mount somewhere else"#,
                #"line 11: secrets[0].path: "/dev" would shadow /dev, which the runtime provides; mount somewhere else"#,
                #"line 14: secrets[1].path: "/dev/shm" would shadow /dev, which the runtime provides; mount somewhere else"#,
            ])),
        Case("http check paths", manifest("""
            [[ports]]
            name = "web"
            port = 80
            [[checks]]
            name = "a"
            kind = "http"
            port = "web"
            path = "healthz"
            [[checks]]
            name = "b"
            kind = "http"
            port = "web"
            path = "/a b"
            [[checks]]
            name = "c"
            kind = "http"
            port = "web"
            path = 1

            """), .problems([
                #"line 10: checks[0].path: "healthz" is not a request path: it must start with '/' and contain no spaces or control characters"#,
                #"line 15: checks[1].path: "/a b" is not a request path: it must start with '/' and contain no spaces or control characters"#,
                #"line 20: checks[2].path: must be a request path such as "/healthz", found an integer"#,
            ])),
        sizes(memory: #""3Mi""#, disk: #""0.5Mi""#, .problems([
            "line 4: resources.memory: 3Mi is out of range: it must be 4Mi to 4Ti",
            "line 5: resources.disk: 512Ki is out of range: it must be 1Mi to 64Ti",
        ])),
        sizes(memory: #""5Ti""#, disk: #""65Ti""#, .problems([
            "line 4: resources.memory: 5Ti is out of range: it must be 4Mi to 4Ti",
            "line 5: resources.disk: 65Ti is out of range: it must be 1Mi to 64Ti",
        ])),
        sizes(memory: "-5", disk: "0", .problems([
            "line 4: resources.memory: -5B is out of range: it must be 4Mi to 4Ti",
            "line 5: resources.disk: 0B is out of range: it must be 1Mi to 64Ti",
        ])),
        sizes(memory: #""1.0000000000001Gi""#, disk: #""Gi""#, .problems([
            #"line 4: resources.memory: "1.0000000000001Gi" is not a whole number of bytes; write it without the fraction or in a smaller unit"#,
            #"line 5: resources.disk: must be a size such as "512Mi", "2Gi" or "100M", found "Gi""#,
        ])),
        sizes(memory: #""99999999999Ti""#, disk: #"".5Gi""#, .problems([
            #"line 4: resources.memory: "99999999999Ti" is too large"#,
            #"line 5: resources.disk: must be a size such as "512Mi", "2Gi" or "100M", found ".5Gi""#,
        ])),
        sizes(memory: #""1e9""#, disk: #""1.Gi""#, .problems([
            #"line 4: resources.memory: must be a size such as "512Mi", "2Gi" or "100M", found "1e9""#,
            #"line 5: resources.disk: must be a size such as "512Mi", "2Gi" or "100M", found "1.Gi""#,
        ])),
        sizes(memory: #""512MB""#, disk: #""1.5""#, .problems([
            #"line 4: resources.memory: must be a size such as "512Mi", "2Gi" or "100M", found "512MB""#,
            #"line 5: resources.disk: "1.5" is not a whole number of bytes; write it without the fraction or in a smaller unit"#,
        ])),
        timing(interval: #""500ms""#, timeout: #""50ms""#, .problems([
            #"line 7: checks[0].interval: "500ms" is out of range: it must be 1s to 1h"#,
            #"line 8: checks[0].timeout: "50ms" is out of range: it must be 100ms to 10m"#,
        ])),
        timing(interval: #""1h1ms""#, timeout: #""11m""#, .problems([
            #"line 7: checks[0].interval: "1h1ms" is out of range: it must be 1s to 1h"#,
            #"line 8: checks[0].timeout: "11m" is out of range: it must be 100ms to 10m"#,
        ])),
        timing(interval: #""10""#, timeout: #""1.5s""#, .problems([
            #"line 7: checks[0].interval: must be a duration with units, largest first, such as "500ms", "10s", "1m30s" or "2h"; found "10""#,
            #"line 8: checks[0].timeout: must be a duration with units, largest first, such as "500ms", "10s", "1m30s" or "2h"; found "1.5s""#,
        ])),
        timing(interval: #""5d""#, timeout: #""999999999999999999h""#, .problems([
            #"line 7: checks[0].interval: must be a duration with units, largest first, such as "500ms", "10s", "1m30s" or "2h"; found "5d""#,
            #"line 8: checks[0].timeout: "999999999999999999h" is too long a duration"#,
        ])),
        timing(interval: "10", timeout: #""""#, .problems([
            #"line 7: checks[0].interval: must be a duration with a unit such as "10s" (a bare number has none), found an integer"#,
            #"line 8: checks[0].timeout: must be a duration with units, largest first, such as "500ms", "10s", "1m30s" or "2h"; found """#,
        ])),
        cpu("0", problem: "0m \(cpuRange)"),
        cpu("-1", problem: "-1000m \(cpuRange)"),
        cpu("-0.0", problem: "0m \(cpuRange)"),
        cpu("1025", problem: "1025000m \(cpuRange)"),
        cpu(#""0m""#, problem: "0m \(cpuRange)"),
        cpu("0.0001", problem: #"0.0001 cores is finer than a millicore; use e.g. "250m""#),
        cpu("inf", problem: "inf is not a usable number of cores"),
        cpu("nan", problem: "nan is not a usable number of cores"),
        cpu("1e300", problem: "1e+300 is not a usable number of cores"),
        cpu("true", problem: #"must be CPU as cores (2, 0.5) or millicores ("250m"), found a boolean"#),
        cpu(#""2 cores""#, problem: #"must be CPU as cores (2, 0.5, "1.5") or millicores ("250m"), found "2 cores""#),
        cpu(#""m""#, problem: #"CPU must be cores (2, 0.5, "1.5") or millicores ("250m")"#),
        cpu(#""1.5m""#, problem: #"CPU must be cores (2, 0.5, "1.5") or millicores ("250m")"#),
        cpu("9223372036854775807", problem: "9223372036854775807 cores is out of range"),
        cpu(#""0.0005""#, problem: #""0.0005" is not a whole number of millicores; write it without the fraction or in a smaller unit"#),
        rollout(unavailable: #""101%""#, surge: #""25""#, .problems([
            #"line 4: rollout.max_unavailable: "101%" is not a percentage from "0%" to "100%""#,
            #"line 5: rollout.max_surge: "25" is not a percentage from "0%" to "100%""#,
        ])),
        rollout(unavailable: "-1", surge: #""-5%""#, .problems([
            #"line 4: rollout.max_unavailable: -1 is negative; give a count of 0 or more, or a percentage such as "25%""#,
            #"line 5: rollout.max_surge: "-5%" is not a percentage from "0%" to "100%""#,
        ])),
        secret(mode: #""0999""#, owner: #""app:app""#, .problems([
            #"line 6: secrets[0].mode: must be octal permission bits such as "0755" or 0o755, found a string "0999""#,
            #"line 7: secrets[0].owner: "app:app" must be numeric UID:GID such as "1000:1000" (names depend on the image's /etc/passwd)"#,
        ])),
        secret(mode: "0o10000", owner: #""1000""#, .problems([
            #"line 6: secrets[0].mode: must be octal permission bits such as "0755" or 0o755, found an integer 4096"#,
            #"line 7: secrets[0].owner: "1000" must be numeric UID:GID such as "1000:1000" (names depend on the image's /etc/passwd)"#,
        ])),
        secret(mode: "4.5", owner: "1000", .problems([
            #"line 6: secrets[0].mode: must be octal permission bits such as "0755" or 0o755, found a float 4.5"#,
            #"line 7: secrets[0].owner: must be a numeric UID:GID such as "1000:1000", found an integer"#,
        ])),
        secret(mode: #""rw-r--r--""#, owner: #""-1:0""#, .problems([
            #"line 6: secrets[0].mode: must be octal permission bits such as "0755" or 0o755, found a string "rw-r--r--""#,
            #"line 7: secrets[0].owner: "-1:0" must be numeric UID:GID such as "1000:1000" (names depend on the image's /etc/passwd)"#,
        ])),
        user(#""App""#, problem: #""App" is not a user: write name, uid, uid:gid or name:group"#),
        user(#""a:b:c""#, problem: #""a:b:c" is not a user: write name, uid, uid:gid or name:group"#),
        user(#""1000:""#, problem: #""1000:" is not a user: write name, uid, uid:gid or name:group"#),
        user(#""""#, problem: #""" is not a user: write name, uid, uid:gid or name:group"#),
        user(#""a b""#, problem: #""a b" is not a user: write name, uid, uid:gid or name:group"#),
        user("0", problem: #"must be a user such as "app", "1000" or "1000:1000", found an integer"#),
    ]

    static let invalidStructure: [Case] = [
        Case("unknown keys with did-you-mean", manifest("""
            port = 80
            [process]
            workdirr = "/x"
            foo = 1
            [resources]
            memmory = "1Gi"
            [rollout]
            strategie = "rolling"
            [[checks]]
            name = "c"
            kind = "exec"
            command = ["x"]
            intervall = "5s"
            [[secrets]]
            name = "s"
            path = "/s"
            source = "/x"

            """), .problems([
                #"line 3: port: unknown key; did you mean "ports"? (known: \#(rootKeys))"#,
                "line 6: process.foo: unknown key (known: cmd, entrypoint, env, user, workdir)",
                #"line 5: process.workdirr: unknown key; did you mean "workdir"? (known: cmd, entrypoint, env, user, workdir)"#,
                #"line 8: resources.memmory: unknown key; did you mean "memory"? (known: cpu, disk, gpus, memory, pids)"#,
                #"line 10: rollout.strategie: unknown key; did you mean "strategy"? (known: auto_rollback, max_surge, max_unavailable, min_healthy_time, replicas, strategy)"#,
                #"line 15: checks[0].intervall: unknown key; did you mean "interval"? (known: command, failure_threshold, grace_period, interval, kind, name, path, port, status, timeout)"#,
                "line 19: secrets[0].source: unknown key (known: mode, name, owner, path)",
            ].sortedByLine())),
        Case("tables of the wrong shape", manifest("""
            process = "x"
            ports = { name = "web" }
            checks = [1, "x"]
            [[network]]

            """), .problems([
                "line 3: process: must be a table, found a string",
                "line 4: ports: must be an array of tables ([[ports]]), found a table",
                "line 5: checks[0]: must be a table, found an integer",
                "line 5: checks[1]: must be a table, found a string",
                "line 6: network: must be a table, found an array",
            ])),
        Case("[ports] as a single table", manifest("[ports]\nname = \"web\"\nport = 80\n"),
             .problems(["line 3: ports: must be an array of tables ([[ports]]), found a table"])),
        Case("required keys of every array of tables", manifest("""
            [[ports]]
            [[checks]]
            [[volumes]]
            [[secrets]]
            [[checks]]
            name = "http"
            kind = "http"
            [[checks]]
            name = "exec"
            kind = "exec"

            """), .problems([
                "line 3: ports[0].name: is required: The port's name, used by checks.",
                "line 3: ports[0].port: is required: The container port.",
                "line 4: checks[0].kind: is required: An HTTP request, a TCP connection or a command in the container.",
                "line 4: checks[0].name: is required: The check's name.",
                "line 5: volumes[0].name: is required: The volume's name; the platform owns where it lives.",
                "line 5: volumes[0].path: is required: Where it is mounted in the container.",
                "line 6: secrets[0].name: is required: The secret bundle's name.",
                "line 6: secrets[0].path: is required: The directory its files appear in.",
                "line 7: checks[1].port: is required: The name of the port to check (http, tcp).",
                "line 10: checks[2].command: is required: The command to run; exit status 0 is healthy (exec).",
            ])),
        Case("forbidden keys at the top level and in [process]", manifest("""
            privileged = true
            host_network = true
            host_pid = true
            host_ipc = true
            [process]
            capabilities = ["NET_ADMIN"]
            cap_add = ["SYS_ADMIN"]
            security_opt = ["no-new-privileges:false"]
            seccomp = "unconfined"
            apparmor = "unconfined"
            sysctls = { "net.core.somaxconn" = "1024" }

            """), .problems([
                "line 3: privileged: privileged containers are not allowed; the platform runs every app unprivileged",
                "line 4: host_network: the host's network is not allowed; declare [[ports]] and the platform routes them",
                "line 5: host_pid: the host's process namespace is not allowed",
                "line 6: host_ipc: the host's IPC namespace is not allowed",
                "line 8: process.capabilities: capabilities are not allowed; the platform runs every app with its default set",
                "line 9: process.cap_add: capabilities are not allowed; the platform runs every app with its default set",
                "line 10: process.security_opt: security options are not allowed; seccomp, AppArmor and SELinux profiles are the platform's",
                "line 11: process.seccomp: security options are not allowed; seccomp, AppArmor and SELinux profiles are the platform's",
                "line 12: process.apparmor: security options are not allowed; seccomp, AppArmor and SELinux profiles are the platform's",
                "line 13: process.sysctls: sysctls are not allowed",
            ])),
        Case("forbidden keys in resources, ports, volumes and network", manifest("""
            [resources]
            devices = ["/dev/fuse"]
            gpus = { count = 1, kind = "amd", privileged = true }
            [[ports]]
            name = "web"
            port = 80
            host_port = 80
            [[volumes]]
            name = "data"
            path = "/data"
            source = "/srv/data"
            host_path = "/srv"
            hostPath = "/srv"
            [network]
            mode = "host"
            host = true
            host_network = true

            """), .problems([
                #"line 4: resources.devices: devices are not allowed; request GPUs with resources.gpus = { count = N, kind = "nvidia" }"#,
                "line 5: resources.gpus.privileged: privileged containers are not allowed; the platform runs every app unprivileged",
                #"line 9: ports[0].host_port: host ports are not allowed; the platform maps container ports (set exposure = "public")"#,
                "line 13: volumes[0].source: volumes are named, never host paths; the platform decides where they live",
                "line 14: volumes[0].host_path: host paths are not allowed; use a named volume, which the platform places",
                "line 15: volumes[0].hostPath: host paths are not allowed; use a named volume, which the platform places",
                "line 17: network.mode: the network mode is the platform's; host networking is not allowed",
                "line 18: network.host: the host's network is not allowed; declare [[ports]] and the platform routes them",
                "line 19: network.host_network: the host's network is not allowed; declare [[ports]] and the platform routes them",
            ])),
        Case("forbidden keys in checks and secrets; env names are not keys", manifest("""
            [[checks]]
            name = "c"
            kind = "exec"
            command = ["x"]
            privileged = true
            [[secrets]]
            name = "s"
            path = "/s"
            hostPath = "/etc/ssl"
            [process.env]
            privileged = "true"
            host_path = "/x"

            """), .problems([
                "line 7: checks[0].privileged: privileged containers are not allowed; the platform runs every app unprivileged",
                "line 11: secrets[0].hostPath: host paths are not allowed; use a named volume, which the platform places",
            ])),
        Case("forbidden keys only where they apply: source and mode elsewhere are unknown", manifest("""
            source = "/x"
            mode = "host"

            """), .problems([
                "line 4: mode: unknown key (known: \(rootKeys))",
                "line 3: source: unknown key (known: \(rootKeys))",
            ].sortedByLine())),
    ]

    static let rules: [Case] = [
        Case("duplicate names", manifest("""
            [[ports]]
            name = "web"
            port = 80
            [[ports]]
            name = "web"
            port = 81
            [[checks]]
            name = "c"
            kind = "exec"
            command = ["x"]
            [[checks]]
            name = "c"
            kind = "exec"
            command = ["y"]
            [[volumes]]
            name = "v"
            path = "/a"
            [[volumes]]
            name = "v"
            path = "/b"
            [[secrets]]
            name = "s"
            path = "/c"
            [[secrets]]
            name = "s"
            path = "/d"

            """), .problems([
                #"line 7: ports[1].name: port name "web" is already used by ports[0]; names must be unique"#,
                #"line 14: checks[1].name: check name "c" is already used by checks[0]; names must be unique"#,
                #"line 21: volumes[1].name: volume name "v" is already used by volumes[0]; names must be unique"#,
                #"line 27: secrets[1].name: secret name "s" is already used by secrets[0]; names must be unique"#,
            ])),
        Case("a volume and a secret may share a name", manifest("""
            [[volumes]]
            name = "x"
            path = "/a"
            [[secrets]]
            name = "x"
            path = "/b"

            """), .valid()),
        Case("duplicate port numbers per transport", manifest("""
            ports = [
              { name = "a", port = 8080, protocol = "http" },
              { name = "b", port = 8080 },
              { name = "c", port = 8080, protocol = "grpc" },
              { name = "d", port = 8080, protocol = "udp" },
              { name = "e", port = 53, protocol = "udp" },
              { name = "f", port = 53, protocol = "udp" },
            ]

            """), .problems([
                "line 3: ports[1].port: 8080/tcp is already declared by ports[0]; a container port is declared once per transport",
                "line 3: ports[2].port: 8080/tcp is already declared by ports[0]; a container port is declared once per transport",
                "line 3: ports[5].port: 53/udp is already declared by ports[4]; a container port is declared once per transport",
            ])),
        Case("duplicate mount paths across volumes and secrets", manifest("""
            [[volumes]]
            name = "a"
            path = "/data"
            [[volumes]]
            name = "b"
            path = "/data"
            [[secrets]]
            name = "c"
            path = "/data"
            [[secrets]]
            name = "d"
            path = "/run/d"
            [[secrets]]
            name = "e"
            path = "/run/d"

            """), .problems([
                #"line 8: volumes[1].path: "/data" is already the mount path of volumes[0]"#,
                #"line 11: secrets[0].path: "/data" is already the mount path of volumes[0]"#,
                #"line 17: secrets[2].path: "/run/d" is already the mount path of secrets[1]"#,
            ])),
        Case("checks naming unknown ports", manifest("""
            [[ports]]
            name = "web"
            port = 80
            [[ports]]
            name = "admin"
            port = 81
            [[checks]]
            name = "a"
            kind = "http"
            port = "wbe"
            [[checks]]
            name = "b"
            kind = "tcp"
            port = "8080"

            """), .problems([
                #"line 12: checks[0].port: names no port; the ports are "admin", "web""#,
                #"line 16: checks[1].port: "8080" is not a name: use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit, at most 63 characters"#,
            ])),
        Case("a check naming a port when there are none", manifest("""
            [[checks]]
            name = "a"
            kind = "tcp"
            port = "web"

            """), .problems(["line 6: checks[0].port: names no port; declare it in [[ports]]"])),
        Case("checks of udp ports", manifest("""
            [[ports]]
            name = "dns"
            port = 53
            protocol = "udp"
            [[checks]]
            name = "a"
            kind = "http"
            port = "dns"
            [[checks]]
            name = "b"
            kind = "tcp"
            port = "dns"

            """), .problems([
                #"line 10: checks[0].port: "dns" is a UDP port; http checks need a TCP-based one"#,
                #"line 14: checks[1].port: "dns" is a UDP port; tcp checks need a TCP-based one"#,
            ])),
        Case("check fields that apply to other kinds", manifest("""
            [[ports]]
            name = "web"
            port = 80
            [[checks]]
            name = "e"
            kind = "exec"
            command = ["x"]
            port = "web"
            path = "/"
            status = 200
            [[checks]]
            name = "t"
            kind = "tcp"
            port = "web"
            path = "/x"
            command = ["x"]
            [[checks]]
            name = "h"
            kind = "http"
            port = "web"
            command = ["x"]

            """), .problems([
                #"line 10: checks[0].port: applies only when kind = "http" or "tcp"; remove it, or change kind"#,
                #"line 11: checks[0].path: applies only when kind = "http"; remove it, or change kind"#,
                #"line 12: checks[0].status: applies only when kind = "http"; remove it, or change kind"#,
                #"line 17: checks[1].path: applies only when kind = "http"; remove it, or change kind"#,
                #"line 18: checks[1].command: applies only when kind = "exec"; remove it, or change kind"#,
                #"line 23: checks[2].command: applies only when kind = "exec"; remove it, or change kind"#,
            ])),
        Case("a check of an unknown kind reports only the kind", manifest("""
            [[checks]]
            name = "g"
            kind = "grpc"
            port = 1
            command = "x"

            """), .problems([#"line 5: checks[0].kind: "grpc" is not one of "http", "tcp", "exec""#])),
        Case("internal_only with public ports", manifest("""
            [network]
            internal_only = true
            [[ports]]
            name = "web"
            port = 80
            exposure = "public"
            [[ports]]
            name = "admin"
            port = 81

            """), .problems([#"line 8: ports[0].exposure: is public, but network.internal_only = true; make it "internal" or lift internal_only"#])),
        // The contradiction is blamed on the key that was written, not on the port that inherits it.
        Case("internal_only with a public default_exposure", manifest("""
            [network]
            internal_only = true
            default_exposure = "public"
            [[ports]]
            name = "web"
            port = 80

            """), .problems([#"line 5: network.default_exposure: is public, but internal_only = true; make it "internal" or lift internal_only"#])),
        timing(interval: #""10s""#, timeout: #""10s""#, .problems(["line 8: checks[0].timeout: must be shorter than the interval (10s)"])),
        timing(interval: #""2s""#, timeout: #""3000ms""#, .problems(["line 8: checks[0].timeout: must be shorter than the interval (2s)"])),
        Case("the default timeout against a short interval", manifest("""
            [[checks]]
            name = "c"
            kind = "exec"
            command = ["true"]
            interval = "1s"

            """), .problems(["line 3: checks[0].timeout: must be shorter than the interval (1s)"])),
        rollout(unavailable: "0", surge: "0", .problems([
            "line 5: rollout.max_surge: max_unavailable and max_surge are both 0, so a rollout could never replace a replica; raise one of them",
        ])),
        rollout(unavailable: #""0%""#, surge: "0", .problems([
            "line 5: rollout.max_surge: max_unavailable and max_surge are both 0, so a rollout could never replace a replica; raise one of them",
        ])),
        rollout(unavailable: "0", surge: #""000%""#, .problems([
            "line 5: rollout.max_surge: max_unavailable and max_surge are both 0, so a rollout could never replace a replica; raise one of them",
        ])),
        Case("canary with one replica", manifest("[rollout]\nstrategy = \"canary\"\nreplicas = 1\n"), .problems([
            "line 5: rollout.replicas: a canary rollout needs at least 2 replicas (one canary beside the current release), found 1",
        ])),
        Case("canary with the default replicas", manifest("[rollout]\nstrategy = \"canary\"\n"), .problems([
            "line 3: rollout.replicas: a canary rollout needs at least 2 replicas (one canary beside the current release), found 1",
        ])),
        Case("canary with 0 replicas", manifest("rollout = { strategy = \"canary\", replicas = 0 }\n"), .problems([
            "line 3: rollout.replicas: a canary rollout needs at least 2 replicas (one canary beside the current release), found 0",
        ])),
        Case("several problems at once, sorted by line", """
            # line 1
            app = "My App"
            [resources]
            cpu = "lots"
            memory = "1Mi"
            privileged = true
            [[ports]]
            name = "web"
            port = 70000
            [[checks]]
            name = "live"
            kind = "http"
            port = "api"
            [rollout]
            strategy = "canary"
            max_unavailable = 0
            max_surge = "0%"
            [network]
            internal_only = "yes"

            """, .problems([
                #"line 2: app: "My App" \#(notAName)"#,
                #"line 4: resources.cpu: must be CPU as cores (2, 0.5, "1.5") or millicores ("250m"), found "lots""#,
                "line 5: resources.memory: 1Mi is out of range: it must be 4Mi to 4Ti",
                "line 6: resources.privileged: privileged containers are not allowed; the platform runs every app unprivileged",
                "line 9: ports[0].port: 70000 is out of range: it must be 1 to 65535",
                #"line 13: checks[0].port: names no port; the ports are "web""#,
                "line 14: rollout.replicas: a canary rollout needs at least 2 replicas (one canary beside the current release), found 1",
                "line 17: rollout.max_surge: max_unavailable and max_surge are both 0, so a rollout could never replace a replica; raise one of them",
                "line 19: network.internal_only: must be true or false, found a string",
                "schema: is required: Manifest schema version.",
            ])),
    ]

    static let syntax: [Case] = [
        Case("unterminated string", "schema = 1\napp = \"a\n", .problems([
            "line 2: (top level): TOML syntax: Error while parsing string: unescaped control characters other than TAB (U+0009) are explicitly prohibited",
        ])),
        Case("unclosed table header", manifest("[ports\n"), .problems([
            #"line 3: (top level): TOML syntax: Error while parsing table header: expected ']', saw '\n'"#,
        ])),
        Case("a key written twice", manifest("app = \"b\"\n"), .problems([
            "line 3: (top level): TOML syntax: Error while parsing key-value pair: cannot redefine existing string 'app'",
        ])),
        Case("a table written twice", manifest("[process]\n[process]\n"), .problems([
            "line 4: (top level): TOML syntax: Error while parsing table header: cannot redefine existing table 'process'",
        ])),
        Case("a static array extended with [[ ]]", manifest("ports = []\n[[ports]]\nname = \"x\"\n"), .problems([
            "line 4: (top level): TOML syntax: Error while parsing table header: cannot redefine existing array 'ports' as array-of-tables",
        ])),
        Case("a value without a key", "schema = 1\n= 1\n", .problems([
            "line 2: (top level): TOML syntax: Error while parsing root table: expected keys, tables, whitespace or comments, saw '='",
        ])),
        Case("an integer too large for 64 bits", manifest("[resources]\npids = 99999999999999999999\n"), .problems([
            "line 4: (top level): TOML syntax: Error while parsing decimal integer: '99999999999999999999' is not representable in 64 bits",
        ])),
        Case("a float out of range", manifest("[resources]\ncpu = 1e400\n"), .problems([
            "line 4: (top level): TOML syntax: Error while parsing floating-point: '1e400' could not be interpreted as a value",
        ])),
    ]

    /// Behaviour the validator should have and does not yet (each is in the test report).
    /// Behaviour that was once wrong (CRLF, BOM, dotted and multi-line line numbers; NUL; follow-on
    /// problems; exact fractions; decimal modes), kept as regression cases.
    static let formerBugs: [Case] = [
        Case("CRLF line endings keep line numbers", "schema = 1\r\napp = \"A\"\r\n[rollout]\r\nreplicas = -1\r\n", .problems([
            #"line 2: app: "A" \#(notAName)"#,
            "line 4: rollout.replicas: -1 is out of range: it must be 0 to 1000",
        ])),
        Case("a byte order mark keeps the first line's key and header", "\u{FEFF}[network]\ninternal_only = 1\n", .problems([
            "line 2: network.internal_only: must be true or false, found an integer",
            "app: is required: The application's name: lowercase letters, digits and '-', at most 63.",
            "schema: is required: Manifest schema version.",
        ])),
        Case("an unknown dotted key has its line", manifest("resourcs.cpu = 2\n"), .problems([
            #"line 3: resourcs: unknown key; did you mean "resources"? (known: \#(rootKeys))"#,
        ])),
        Case("a NUL in a string is reported, not truncated", manifest("[process]\ncmd = [\"ab\\u0000cd\"]\n"), .problems([
            #"line 4: (top level): a NUL character (\u0000) is not allowed in a key or string"#,
        ])),
        Case("a NUL in app is reported, not truncated", "schema = 1\napp = \"a\\u0000b\"\n", .problems([
            #"line 2: (top level): a NUL character (\u0000) is not allowed in a key or string"#,
        ])),
        Case("a key with a NUL is not dropped", manifest("\"privileged\\u0000\" = true\n"), .rejected),
        Case("a check naming a port whose protocol is invalid gets no second problem", manifest("""
            [[ports]]
            name = "web"
            port = 80
            protocol = "htp"
            [[checks]]
            name = "c"
            kind = "tcp"
            port = "web"

            """), .problems([
                #"line 6: ports[0].protocol: "htp" is not one of "tcp", "udp", "http", "https", "grpc"; did you mean "http"?"#,
            ])),
        Case("a check naming a port when ports is malformed gets no second problem", manifest("""
            ports = { name = "web", port = 80 }
            [[checks]]
            name = "c"
            kind = "tcp"
            port = "web"

            """), .problems(["line 3: ports: must be an array of tables ([[ports]]), found a table"])),
        Case("a key = value line inside a multi-line string does not take the key's line", manifest(#"""
            [process]
            cmd = ["""
            user = x
            """]
            user = "BAD USER"

            """#), .problems([#"line 7: process.user: "BAD USER" is not a user: write name, uid, uid:gid or name:group"#])),
        Case("an exact fraction of a large unit is a whole number of bytes", manifest("[resources]\nmemory = \"0.0009765625Ti\"\n"),
             .valid(values: ["resources.memory": .string("1Gi")])),
        Case("a decimal integer mode is not read as permission bits", manifest("""
            [[secrets]]
            name = "s"
            path = "/run/s"
            mode = 644

            """), .rejected),
    ]

    // MARK: - The test

    @Test(arguments: cases)
    func validate(_ testCase: Case) {
        Self.check(testCase)
    }

    static func check(_ testCase: Case) {
        let result: Result<PlatformManifest, PlatformError>
        do { result = .success(try PlatformManifest.validate(toml: Array(testCase.toml.utf8), file: "klein.platform.toml")) } catch { result = .failure(error) }
        switch (testCase.expected, result) {
        case let (.valid(hash, values, absent), .success(manifest)):
            if let hash { #expect(manifest.contentHash.description == hash) }
            for (path, value) in values.sorted(by: { $0.key < $1.key }) {
                #expect(Self.value(at: path, in: manifest.effective) == value, "\(path)")
            }
            for path in absent {
                #expect(Self.value(at: path, in: manifest.effective) == nil, "\(path) should be absent")
            }
        case let (.problems(expected), .failure(.invalidManifest(file, problems))):
            #expect(file == "klein.platform.toml")
            #expect(problems.map(\.description) == expected)
        case (.rejected, .failure(.invalidManifest(_, let problems))):
            #expect(!problems.isEmpty)
        case let (_, .success(manifest)):
            Issue.record("expected problems, but the manifest is valid: \(manifest.contentHash)\n\(manifest.explanation)")
        case let (_, .failure(error)):
            Issue.record("expected a valid manifest, got \(error)")
        }
    }

    /// The value at `ports[1].exposure`-style key paths of an effective manifest.
    static func value(at path: String, in root: [String: Value]) -> Value? {
        var current: Value? = .table(root)
        for component in path.split(separator: ".") {
            var name = Substring(component)
            var indices: [Int] = []
            while name.hasSuffix("]"), let open = name.lastIndex(of: "["), let index = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) {
                indices.insert(index, at: 0)
                name = name[..<open]
            }
            guard case let .table(members)? = current else { return nil }
            current = members[String(name)]
            for index in indices {
                guard case let .array(elements)? = current, elements.indices.contains(index) else { return nil }
                current = elements[index]
            }
        }
        return current
    }

    // MARK: - Beside the table

    @Test func defaultedKeysAndExplanationOfTheMinimalManifest() throws {
        let manifest = try PlatformManifest.validate(toml: Array("schema = 1\napp = \"a\"\n".utf8), file: "m")
        #expect(manifest.defaulted == [
            "checks", "network.default_exposure", "network.internal_only", "ports", "process.env",
            "resources.cpu", "resources.disk", "resources.memory", "resources.pids",
            "rollout.auto_rollback", "rollout.max_surge", "rollout.max_unavailable", "rollout.min_healthy_time", "rollout.replicas", "rollout.strategy",
            "secrets", "volumes",
        ])
        #expect(manifest.explanation == """
            schema = 1
            app = "a"
            ports = []  # default
            checks = []  # default
            volumes = []  # default
            secrets = []  # default

            [process]
            env = {}  # default

            [resources]
            cpu = "1000m"  # default
            memory = "512Mi"  # default
            disk = "1Gi"  # default
            pids = 1024  # default

            [rollout]
            strategy = "rolling"  # default
            replicas = 1  # default
            max_unavailable = "25%"  # default
            max_surge = "25%"  # default
            min_healthy_time = "10s"  # default
            auto_rollback = true  # default

            [network]
            default_exposure = "internal"  # default
            internal_only = false  # default

            """)
        #expect(String(decoding: manifest.canonicalJSON, as: UTF8.self) == #"{"app":"a","checks":[],"network":{"default_exposure":"internal","internal_only":false},"ports":[],"process":{"env":{}},"resources":{"cpu":"1000m","disk":"1Gi","memory":"512Mi","pids":1024},"rollout":{"auto_rollback":true,"max_surge":"25%","max_unavailable":"25%","min_healthy_time":"10s","replicas":1,"strategy":"rolling"},"schema":1,"secrets":[],"volumes":[]}"#)
    }

    @Test func inheritedExposureIsMarkedDefaulted() throws {
        let manifest = try PlatformManifest.validate(toml: Array(Self.manifest("[[ports]]\nname = \"a\"\nport = 1\nexposure = \"public\"\n[[ports]]\nname = \"b\"\nport = 2\n").utf8), file: "m")
        #expect(manifest.defaulted.contains("ports[1].exposure"))
        #expect(manifest.defaulted.contains("ports[1].protocol"))
        #expect(!manifest.defaulted.contains("ports[0].exposure"))
        #expect(manifest.ports == [.init(name: "a", port: 1, protocol: "tcp", isPublic: true), .init(name: "b", port: 2, protocol: "tcp", isPublic: false)])
    }

    /// Problems of the canonical-JSON path have no lines; the rules are the same.
    @Test func canonicalJSONIsValidatedWithTheSameRules() {
        let json = #"{"schema":1,"app":"a","resources":{"memory":"1Mi","privileged":true},"ports":[{"name":"a","port":1},{"name":"a","port":1}]}"#
        do {
            _ = try PlatformManifest.validate(canonicalJSON: Array(json.utf8), file: "release")
            Issue.record("the manifest is valid")
        } catch let .invalidManifest(_, problems) {
            #expect(problems.map(\.description) == [
                #"ports[1].name: port name "a" is already used by ports[0]; names must be unique"#,
                "ports[1].port: 1/tcp is already declared by ports[0]; a container port is declared once per transport",
                "resources.memory: 1Mi is out of range: it must be 4Mi to 4Ti",
                "resources.privileged: privileged containers are not allowed; the platform runs every app unprivileged",
            ])
        } catch {
            Issue.record("\(error)")
        }
    }

    /// A NUL reaches the value checks through canonical JSON (TOML's is refused before parsing). With
    /// several NUL-holding env values, the first by variable name is reported, every time: the problem
    /// list is a pure function of the input, not of Dictionary order.
    @Test func nulInEnvironmentIsReportedDeterministically() {
        let json = Array(#"{"schema":1,"app":"a","process":{"env":{"A":"x\u0000","B":"y\u0000","C":"z\u0000","D":"w\u0000"}}}"#.utf8)
        var messages: Set<[String]> = []
        for _ in 0..<50 {
            do {
                _ = try PlatformManifest.validate(canonicalJSON: json, file: "m")
                Issue.record("a NUL character was accepted")
            } catch let .invalidManifest(_, problems) {
                messages.insert(problems.map(\.description))
            } catch {
                Issue.record("\(error)")
            }
        }
        #expect(messages == [[#"process.env: "x\0" contains a NUL character"#]])
    }
}

extension [String] {
    /// Problems as the validator orders them: by line, then key path (these tests have no message ties).
    fileprivate func sortedByLine() -> [String] {
        func key(_ text: String) -> (Int, String) {
            guard text.hasPrefix("line "), let colon = text.firstIndex(of: ":"), let line = Int(text[text.index(text.startIndex, offsetBy: 5)..<colon]) else {
                return (.max, text)
            }
            return (line, String(text[text.index(after: colon)...]))
        }
        return sorted { key($0) < key($1) }
    }
}

