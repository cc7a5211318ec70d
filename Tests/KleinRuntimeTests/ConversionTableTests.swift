import KleinOCI
import Testing
@testable import KleinRuntime

/// One field of the conversion at a time, over many inputs: the process user, args, env, working
/// directory and CPU settings. The golden files check whole documents; these check the rules' corners.
@Suite(.timeLimit(.minutes(2))) struct ConversionTableTests {
    /// The plan of an image with `configure`'s execution parameters (and `/bin/true` as Cmd unless set).
    static func plan(rootfs: [RootEntry] = ConversionDefaults.accounts, deployment: Deployment = Deployment(),
                     _ configure: (inout ImageConfiguration.ExecutionConfig) -> Void = { _ in }) throws -> ConversionOutcome {
        let config = ConversionDefaults.image {
            $0.cmd = ["/bin/true"]
            configure(&$0)
        }
        return try convert(config, rootfs: rootfs, deployment: deployment)
    }

    static func succeeded(_ outcome: ConversionOutcome, _ what: String) -> BundlePlan? {
        guard case let .plan(plan) = outcome else {
            Issue.record("\(what): expected a plan, got \(outcome)")
            return nil
        }
        return plan
    }

    // MARK: - User (standard accounts: root 0, daemon 1, www 33, app 1000; staff 50 lists app and www)

    static let userCases: [(String, UInt32, UInt32, [UInt32])] = [
        ("root", 0, 0, [0]),
        ("0", 0, 0, [0]),
        ("app", 1000, 1000, [1000, 50]),
        ("www", 33, 33, [33, 50]),
        ("1000", 1000, 1000, [1000]),
        ("33:staff", 33, 50, [50]),
        ("app:0", 1000, 0, [0]),
        ("0:staff", 0, 50, [50]),
        ("daemon:daemon", 1, 1, [1]),
        ("4294967294", 4_294_967_294, 0, [0]),
        ("00033", 33, 33, [33]),
    ]

    @Test(arguments: userCases) func user(_ text: String, uid: UInt32, gid: UInt32, additionalGids: [UInt32]) throws {
        guard let plan = Self.succeeded(try Self.plan { $0.user = text }, "User \"\(text)\"") else { return }
        #expect(plan.spec.process.user == RuntimeSpec.User(uid: uid, gid: gid, additionalGids: additionalGids))
    }

    /// The deployment's user replaces the image's, resolved the same way.
    @Test func deploymentUserReplacesTheImages() throws {
        var deployment = Deployment()
        deployment.user = "www:staff"
        guard let plan = Self.succeeded(try Self.plan(deployment: deployment) { $0.user = "ghost" }, "deployment user") else { return }
        #expect(plan.spec.process.user == RuntimeSpec.User(uid: 33, gid: 50, additionalGids: [50]))
    }

    /// Account files written on Windows end lines with CRLF; every line must still be its own entry.
    /// (Swift treats "\r\n" as one Character, so splitting a String at "\n" leaves a CRLF file whole.)
    @Test func accountFilesWithCRLF() throws {
        let rootfs: [RootEntry] = [
            .file("etc/passwd", ConversionDefaults.passwd.replacing("\n", with: "\r\n")),
            .file("etc/group", ConversionDefaults.group.replacing("\n", with: "\r\n")),
        ]
        guard let plan = Self.succeeded(try Self.plan(rootfs: rootfs) { $0.user = "app" }, "CRLF account files") else { return }
        #expect(plan.spec.process.user == RuntimeSpec.User(uid: 1000, gid: 1000, additionalGids: [1000, 50]))
    }

    // MARK: - Args: image Entrypoint and Cmd, deployment entrypoint and cmd

    struct Args: Sendable, CustomTestStringConvertible {
        let entrypoint: [String]?, cmd: [String]?, newEntrypoint: [String]?, newCmd: [String]?
        /// Nil: "nothing to run".
        let expected: [String]?
        var testDescription: String { "\(entrypoint ?? []) + \(cmd ?? []), deployment \(newEntrypoint.map { "\($0)" } ?? "-") + \(newCmd.map { "\($0)" } ?? "-")" }
    }

    static let argsCases: [Args] = [
        Args(entrypoint: ["/e"], cmd: nil, newEntrypoint: nil, newCmd: nil, expected: ["/e"]),
        Args(entrypoint: nil, cmd: ["/c", "x"], newEntrypoint: nil, newCmd: nil, expected: ["/c", "x"]),
        Args(entrypoint: ["/e", "-a"], cmd: ["x"], newEntrypoint: nil, newCmd: nil, expected: ["/e", "-a", "x"]),
        Args(entrypoint: ["/e"], cmd: ["x"], newEntrypoint: ["/n"], newCmd: nil, expected: ["/n"]),
        Args(entrypoint: ["/e"], cmd: ["x"], newEntrypoint: nil, newCmd: ["y"], expected: ["/e", "y"]),
        Args(entrypoint: ["/e"], cmd: ["x"], newEntrypoint: ["/n"], newCmd: ["y"], expected: ["/n", "y"]),
        Args(entrypoint: nil, cmd: nil, newEntrypoint: ["/n"], newCmd: nil, expected: ["/n"]),
        Args(entrypoint: nil, cmd: nil, newEntrypoint: nil, newCmd: ["y"], expected: ["y"]),
        Args(entrypoint: [], cmd: ["x"], newEntrypoint: nil, newCmd: nil, expected: ["x"]),
        Args(entrypoint: nil, cmd: nil, newEntrypoint: nil, newCmd: nil, expected: nil),
        Args(entrypoint: [], cmd: [], newEntrypoint: nil, newCmd: nil, expected: nil),
        Args(entrypoint: ["/e"], cmd: ["x"], newEntrypoint: nil, newCmd: [], expected: ["/e"]),
    ]

    @Test(arguments: argsCases) func args(_ testCase: Args) throws {
        var deployment = Deployment()
        deployment.entrypoint = testCase.newEntrypoint
        deployment.cmd = testCase.newCmd
        let outcome = try Self.plan(deployment: deployment) {
            $0.entrypoint = testCase.entrypoint
            $0.cmd = testCase.cmd
        }
        switch (outcome, testCase.expected) {
        case let (.plan(plan), expected?): #expect(plan.spec.process.args == expected)
        case let (.failure(error), nil): #expect(error.description.contains("nothing to run"))
        default: Issue.record("expected \(testCase.expected.map { "\($0)" } ?? "an error"), got \(outcome)")
        }
    }

    // MARK: - Env

    static let environmentCases: [([String]?, [Deployment.EnvironmentChange], [String])] = [
        (nil, [], [ConversionDefaults.defaultPath]),
        ([], [], [ConversionDefaults.defaultPath]),
        (["PATH=/x"], [], ["PATH=/x"]),
        (["PATH="], [], ["PATH="]),
        (["A=1", "A=2"], [], ["A=1", "A=2", ConversionDefaults.defaultPath]),
        (["A=1", "B=2", "A=3"], [.set(name: "A", value: "9")], ["A=9", "B=2", ConversionDefaults.defaultPath]),
        (["PATH=/x"], [.unset(name: "PATH")], []),
        (["PATH=/x"], [.set(name: "PATH", value: "/y")], ["PATH=/y"]),
        (["A=1"], [.unset(name: "MISSING")], ["A=1", ConversionDefaults.defaultPath]),
        (["A=1"], [.unset(name: "A"), .set(name: "A", value: "2")], [ConversionDefaults.defaultPath, "A=2"]),
        (["A=1"], [.set(name: "A", value: "2"), .unset(name: "A")], [ConversionDefaults.defaultPath]),
        (["AB=1", "A=2"], [.unset(name: "A")], ["AB=1", ConversionDefaults.defaultPath]),
        (["URL=a=b"], [.set(name: "URL", value: "c=d")], ["URL=c=d", ConversionDefaults.defaultPath]),
    ]

    @Test(arguments: environmentCases) func environment(_ image: [String]?, _ changes: [Deployment.EnvironmentChange], _ expected: [String]) throws {
        var deployment = Deployment()
        deployment.environment = changes
        guard let plan = Self.succeeded(try Self.plan(deployment: deployment) { $0.env = image }, "Env \(image ?? [])") else { return }
        #expect(plan.spec.process.env == expected)
    }

    // MARK: - Working directory

    static let workingDirectoryCases: [(String?, String?, String, [BundlePlan.Preparation])] = [
        (nil, nil, "/", []),
        ("", nil, "/", []),
        ("/etc", nil, "/etc", []),
        ("/srv/app", nil, "/srv/app", [.directory(path: "/srv/app")]),
        ("/etc", "/home/app", "/home/app", [.directory(path: "/home/app")]),
    ]

    @Test(arguments: workingDirectoryCases) func workingDirectory(_ image: String?, _ override: String?, _ cwd: String,
                                                               _ preparations: [BundlePlan.Preparation]) throws {
        var deployment = Deployment()
        deployment.workdir = override
        guard let plan = Self.succeeded(try Self.plan(deployment: deployment) { $0.workingDir = image }, "WorkingDir \(image ?? "-")") else { return }
        #expect(plan.spec.process.cwd == cwd)
        #expect(plan.preparations == preparations)
    }

    // MARK: - CPU

    static let cpuCases: [(Int64, Int64, UInt64, UInt64)] = [
        (1500, 150_000, 100_000, 1536),
        (1000, 100_000, 100_000, 1024),
        (250, 25_000, 100_000, 256),
        (10, 1000, 100_000, 10),
        (64000, 6_400_000, 100_000, 65536),
    ]

    @Test(arguments: cpuCases) func cpu(_ millicores: Int64, quota: Int64, period: UInt64, shares: UInt64) throws {
        var deployment = Deployment()
        deployment.millicores = millicores
        guard let plan = Self.succeeded(try Self.plan(deployment: deployment), "\(millicores)m") else { return }
        let resources = plan.spec.linux.resources
        #expect(resources.cpuQuota == quota && resources.cpuPeriod == period && resources.cpuShares == shares)
        #expect(resources.memoryLimit == nil && resources.pidsLimit == nil)
    }

    /// The kernel refuses a CFS quota under 1 ms (1000 µs) with EINVAL, so a plan for fewer than 10
    /// millicores must either raise the quota to that minimum or refuse the request; a quota of 100 µs
    /// makes runc fail at start.
    @Test(arguments: [1, 5, 9] as [Int64]) func cpuQuotaTheKernelAccepts(_ millicores: Int64) throws {
        var deployment = Deployment()
        deployment.millicores = millicores
        switch try Self.plan(deployment: deployment) {
        case let .plan(plan):
            let quota = plan.spec.linux.resources.cpuQuota ?? 0
            #expect(quota >= 1000, "\(millicores)m: cpu quota \(quota) µs is below the kernel's 1000 µs minimum")
        case let .failure(error):
            #expect(error.description.contains("\(millicores)"))
        }
    }
}
