import Foundation
import KleinConfig
import KleinOCI
import Testing
@testable import KleinPlatform

/// `NodeFile.load`: node.toml's defaults, a complete file, and refusals — each problem with its key
/// path (and line where it has one), all of a file's problems in one error.
@Suite struct NodeFileTests {
    /// Loads `toml` from a temporary file.
    static func load(_ toml: String, dataDirectory: String = "/var/lib/klein") throws(PlatformError) -> NodeConfiguration {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("klein-node-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("node.toml").path
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(toml.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw .failed(what: "writing the test file \(path)", reason: "\(error)")
        }
        return try NodeFile.load(path, dataDirectory: dataDirectory)
    }

    /// The problems `toml` is refused with, as `ConfigProblem.description` prints them (`line N: key: message`).
    static func problems(_ toml: String) -> [String] {
        do {
            let node = try load(toml)
            Issue.record("expected problems, got \(node)")
            return []
        } catch {
            guard case let .invalidManifest(_, problems) = error else {
                Issue.record("expected invalidManifest, got \(error)")
                return []
            }
            return problems.map(\.description)
        }
    }

    static let knownKeys = "(known: cgroup_parent, gpus, platform, runtime, schema, secrets, volumes)"
    static let notAbsolute = "must be a normalized absolute path without ',' or ':'"

    // MARK: - Defaults

    @Test(arguments: [
        ("/var/lib/klein", "/var/lib/klein"),
        ("/var/lib/klein/", "/var/lib/klein"),
        ("/var/lib/other/../klein", "/var/lib/klein"),
        ("/var/./lib//klein", "/var/lib/klein"),
    ])
    func defaultsWithoutAFile(_ dataDirectory: String, _ base: String) throws {
        let node = try NodeFile.load(nil, dataDirectory: dataDirectory)
        #expect(node == NodeConfiguration(platform: .host, volumesDirectory: "\(base)/volumes", secretsDirectory: "\(base)/secrets"))
        #expect(node.cgroupParent == "/klein" && node.runtime == nil && node.gpus.isEmpty)
    }

    @Test func aRelativeDataDirectoryIsMadeAbsolute() throws {
        let node = try NodeFile.load(nil, dataDirectory: "klein-data")
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        #expect(node.volumesDirectory == "\(cwd)/klein-data/volumes")
        #expect(node.secretsDirectory == "\(cwd)/klein-data/secrets")
    }

    /// Every key is optional: an empty file and one with only `schema = 1` give the defaults.
    @Test(arguments: ["", "schema = 1\n", "# nothing here\n"]) func emptyFilesGiveTheDefaults(_ toml: String) throws {
        #expect(try Self.load(toml) == NodeFile.load(nil, dataDirectory: "/var/lib/klein"))
    }

    // MARK: - A full file

    @Test func everyKey() throws {
        let node = try Self.load("""
            schema = 1
            platform = "linux/arm64/v8"
            runtime = "/usr/local/bin/crun"
            cgroup_parent = "/system.slice/klein"
            volumes = "/srv/klein/volumes"
            secrets = "/srv/klein/secrets"

            [[gpus]]
            kind = "nvidia"
            devices = ["/dev/nvidia0", "/dev/nvidiactl", "/dev/nvidia-uvm"]

            [[gpus]]
            kind = "amd"
            devices = ["/dev/dri/renderD128", "/dev/kfd"]

            [[gpus]]
            kind = "intel"
            devices = ["/dev/dri/renderD129"]
            """, dataDirectory: "/ignored")
        #expect(node == NodeConfiguration(
            platform: Platform(os: "linux", architecture: "arm64", variant: "v8"),
            volumesDirectory: "/srv/klein/volumes", secretsDirectory: "/srv/klein/secrets", cgroupParent: "/system.slice/klein",
            runtime: "/usr/local/bin/crun", gpus: [
                .init(kind: "nvidia", devices: ["/dev/nvidia0", "/dev/nvidiactl", "/dev/nvidia-uvm"]),
                .init(kind: "amd", devices: ["/dev/dri/renderD128", "/dev/kfd"]),
                .init(kind: "intel", devices: ["/dev/dri/renderD129"]),
            ]))
    }

    /// Keys left out keep their defaults next to the ones set.
    @Test func partialFileKeepsTheOtherDefaults() throws {
        let node = try Self.load("runtime = \"runc\"\nvolumes = \"/mnt/volumes\"\n")
        #expect(node == NodeConfiguration(platform: .host, volumesDirectory: "/mnt/volumes", secretsDirectory: "/var/lib/klein/secrets", runtime: "runc"))
    }

    // MARK: - Refusals, one at a time

    struct Refusal: Sendable, CustomTestStringConvertible {
        let name: String
        let toml: String
        let problems: [String]
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(name: "unknown key", toml: "schema = 1\nvolume = \"/srv/volumes\"\n",
                problems: ["line 2: volume: unknown key; did you mean \"volumes\"? \(knownKeys)"]),
        Refusal(name: "unknown key, no suggestion", toml: "swap = true\n",
                problems: ["line 1: swap: unknown key \(knownKeys)"]),
        Refusal(name: "relative volumes", toml: "volumes = \"srv/volumes\"\n",
                problems: ["line 1: volumes: \(notAbsolute), found \"srv/volumes\""]),
        Refusal(name: "volumes with ..", toml: "\nvolumes = \"/srv/../etc\"\n",
                problems: ["line 2: volumes: \(notAbsolute), found \"/srv/../etc\""]),
        Refusal(name: "volumes /", toml: "volumes = \"/\"\n", problems: ["line 1: volumes: \(notAbsolute), found \"/\""]),
        Refusal(name: "secrets with a colon", toml: "secrets = \"/srv/secrets:ro\"\n",
                problems: ["line 1: secrets: \(notAbsolute), found \"/srv/secrets:ro\""]),
        Refusal(name: "secrets with a trailing slash", toml: "secrets = \"/srv/secrets/\"\n",
                problems: ["line 1: secrets: \(notAbsolute), found \"/srv/secrets/\""]),
        Refusal(name: "relative cgroup parent", toml: "cgroup_parent = \"klein\"\n",
                problems: ["line 1: cgroup_parent: \(notAbsolute), found \"klein\""]),
        Refusal(name: "volumes not a string", toml: "volumes = 5\n", problems: ["line 1: volumes: must be a string, found an integer"]),
        Refusal(name: "schema 2", toml: "schema = 2\n", problems: ["line 1: schema: must be 1, found 2"]),
        Refusal(name: "empty runtime", toml: "runtime = \"\"\n", problems: ["line 1: runtime: must name runc, crun or a path"]),
    ]

    @Test(arguments: refusals) func refused(_ refusal: Refusal) {
        #expect(Self.problems(refusal.toml) == refusal.problems)
    }

    /// GPU entries: their problems carry the entry's index; lines are checked where the key path has one.
    @Test(arguments: [
        ("[[gpus]]\nkind = \"qualcomm\"\ndevices = [\"/dev/adreno\"]\n", "gpus[0].kind", "must be one of nvidia, amd, intel, found \"qualcomm\""),
        ("[[gpus]]\nkind = \"NVIDIA\"\ndevices = [\"/dev/nvidia0\"]\n", "gpus[0].kind", "must be one of nvidia, amd, intel, found \"NVIDIA\""),
        ("[[gpus]]\nkind = \"nvidia\"\ndevices = [\"/tmp/nvidia0\"]\n", "gpus[0].devices", "\"/tmp/nvidia0\" is not a path under /dev"),
        ("[[gpus]]\nkind = \"nvidia\"\ndevices = [\"/dev/../etc/shadow\"]\n", "gpus[0].devices", "\"/dev/../etc/shadow\" is not a path under /dev"),
        ("[[gpus]]\nkind = \"nvidia\"\ndevices = [\"nvidia0\"]\n", "gpus[0].devices", "\"nvidia0\" is not a path under /dev"),
        ("[[gpus]]\nkind = \"nvidia\"\ndevices = []\n", "gpus[0].devices", "must list the GPU's device nodes"),
        ("[[gpus]]\ndevices = [\"/dev/nvidia0\"]\n", "gpus[0].kind", "is required: one of nvidia, amd, intel"),
        ("[[gpus]]\nkind = \"nvidia\"\ndevice = [\"/dev/nvidia0\"]\n", "gpus[0].device", "unknown key; did you mean \"devices\"?"),
        ("[[gpus]]\nkind = \"amd\"\ndevices = [\"/dev/kfd\"]\n[[gpus]]\nkind = \"tpu\"\ndevices = [\"/dev/accel0\"]\n", "gpus[1].kind", "found \"tpu\""),
        ("gpus = \"nvidia\"\n", "gpus", "must be an array of tables ([[gpus]]), found a string"),
    ])
    func gpuRefused(_ toml: String, _ keyPath: String, _ message: String) {
        let problems = Self.problems(toml)
        #expect(problems.contains { $0.contains("\(keyPath): ") && $0.contains(message) }, "\(problems)")
    }

    // MARK: - All at once

    @Test func everyProblemIsReportedAtOnce() {
        let problems = Self.problems("""
            schema = 2
            volume = "/srv/volumes"
            secrets = "secrets"
            runtime = ""
            platform = "linux/arm64/v8/extra"

            [[gpus]]
            kind = "qualcomm"
            devices = ["/tmp/gpu0"]
            """)
        let keyPaths = ["schema", "volume", "secrets", "runtime", "platform", "gpus[0].kind", "gpus[0].devices"]
        #expect(problems.count == keyPaths.count, "\(problems)")
        for keyPath in keyPaths {
            #expect(problems.contains { $0.contains(" \(keyPath): ") || $0.hasPrefix("\(keyPath): ") }, "no problem at \(keyPath) in \(problems)")
        }
        #expect(problems.first == "line 2: volume: unknown key; did you mean \"volumes\"? \(Self.knownKeys)")
    }

    /// The whole error names the file and counts the problems.
    @Test func theErrorNamesTheFile() throws {
        do {
            _ = try Self.load("volumes = \"v\"\nsecrets = \"s\"\n")
            Issue.record("expected an error")
        } catch {
            let text = error.description
            #expect(text.contains("node.toml: 2 problems:"), "\(text)")
            #expect(text.contains("line 1: volumes:") && text.contains("line 2: secrets:"), "\(text)")
        }
    }

    @Test func aMissingFileIsAFailureNamingIt() {
        let path = "/nonexistent-\(UUID().uuidString)/node.toml"
        do {
            _ = try NodeFile.load(path, dataDirectory: "/var/lib/klein")
            Issue.record("expected an error")
        } catch {
            guard case let .system(_, cause) = error else {
                Issue.record("expected .system, got \(error)")
                return
            }
            #expect(cause.path == path && cause.errno == ENOENT, "\(cause)")
            #expect(error.description.contains(path), "\(error)")
        }
    }

    @Test func invalidTOMLIsOneProblem() {
        let problems = Self.problems("volumes = \n")
        #expect(problems.count == 1 && problems.first?.contains("TOML syntax") == true, "\(problems)")
    }
}
