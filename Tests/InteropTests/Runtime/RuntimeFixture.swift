import Foundation
import Testing

/// Busybox images built by umoci, and `klein` runs against them, for the runtime interop suites.
/// Each test gets its own `Scratch`: the layout is `<scratch>/images`, the data directory
/// `<scratch>/data`, node directories `<scratch>/volumes` and `<scratch>/secrets`.
struct RuntimeFixture {
    let scratch: Scratch
    var layout: String { "\(scratch.path)/images" }
    var data: String { "\(scratch.path)/data" }

    init() throws { scratch = try Scratch() }

    static let applets = ["sh", "echo", "cat", "env", "id", "ls", "head", "tail", "sleep", "stat", "touch", "test", "true", "sort", "readlink", "wc"]
    /// root and app (1000:1000); "daemon" exists only on the host.
    static let passwd = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"
    static let group = "root:x:0:\napp:x:1000:\n"

    /// `--config.cmd` for each argument, as `umoci config` takes a command.
    static func cmd(_ arguments: String...) -> [String] { arguments.flatMap { ["--config.cmd", $0] } }

    /// An image `ref` with /bin/busybox and its applets, the account files above unless `accounts` is
    /// false, changed by `customize` (given the root directory), then `umoci config` with `config`.
    @discardableResult
    func busybox(_ ref: String, accounts: Bool = true, config: [String] = [], customize: (String) throws -> Void = { _ in }) throws -> String {
        let root = "\(scratch.path)/roots/\(ref)"
        let files = FileManager.default
        try files.createDirectory(atPath: "\(root)/bin", withIntermediateDirectories: true)
        try files.createDirectory(atPath: "\(root)/etc", withIntermediateDirectories: true)
        try files.copyItem(atPath: "/bin/busybox", toPath: "\(root)/bin/busybox")
        for applet in Self.applets { try files.createSymbolicLink(atPath: "\(root)/bin/\(applet)", withDestinationPath: "busybox") }
        if accounts {
            try Data(Self.passwd.utf8).write(to: URL(fileURLWithPath: "\(root)/etc/passwd"))
            try Data(Self.group.utf8).write(to: URL(fileURLWithPath: "\(root)/etc/group"))
        }
        try customize(root)
        if !files.fileExists(atPath: "\(layout)/oci-layout") { try Tools.peer("umoci", "init", "--layout", layout) }
        try Tools.peer("umoci", "new", "--image", "\(layout):\(ref)")
        try Tools.peer("umoci", "insert", "--image", "\(layout):\(ref)", root, "/")
        try Tools.peer("umoci", ["config", "--image", "\(layout):\(ref)", "--architecture", "amd64", "--os", "linux"] + config)
        return "oci:\(layout):\(ref)"
    }

    /// Writes a file under the scratch directory and returns its path.
    @discardableResult
    func write(_ relative: String, _ contents: String) throws -> String { try scratch.write(relative, contents) }

    /// A node.toml whose volumes and secrets live in the scratch directory.
    func node() throws -> String {
        try write("node.toml", "schema = 1\nvolumes = \"\(scratch.path)/volumes\"\nsecrets = \"\(scratch.path)/secrets\"\n")
    }

    /// `klein ARGUMENTS --data DATA`, killed after `seconds`: a hang shows as status 124, never as a stuck suite.
    func klein(_ arguments: [String], seconds: Int = 90) throws -> Run {
        try Tools.run("timeout", ["--kill-after=5", "\(seconds)", Tools.klein] + arguments + ["--data", data])
    }

    func klein(_ arguments: String...) throws -> Run { try klein(arguments) }

    /// `klein spec` decoded.
    func spec(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> (json: [String: Any], stderr: String) {
        let result = try klein(["spec"] + arguments)
        try #require(result.succeeded, "klein spec failed (\(result.status)): \(result.stderr)", sourceLocation: sourceLocation)
        return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:], result.stderr)
    }

    /// The cached root file systems, DATA/rootfs/<chain id> (staging directories included).
    /// The unpacked images in DATA/rootfs (not its lock file or staging directories).
    func cachedRootfs() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(data)/rootfs")) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// After a run: DATA/containers holds no container and nothing under the scratch directory is still
    /// mounted. Leftover containers, their supervisors and mounts are removed so the next test starts clean.
    func expectNothingLeft(sourceLocation: SourceLocation = #_sourceLocation) {
        let containers = containerIDs()
        #expect(containers.isEmpty, "DATA/containers still holds \(containers)", sourceLocation: sourceLocation)
        let mounts = Self.mountpoints(under: scratch.path)
        #expect(mounts.isEmpty, "still mounted: \(mounts)", sourceLocation: sourceLocation)
        cleanUp()
    }

    /// The containers in DATA/containers (not its lock file or staging directories).
    func containerIDs() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(data)/containers")) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// The supervisor process recorded for container `id` (DATA/containers/ID/container.json).
    func supervisorPID(of id: String) -> pid_t? {
        guard let data = FileManager.default.contents(atPath: "\(self.data)/containers/\(id)/container.json"),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let supervisor = object["supervisor"] as? [String: Any] else { return nil }
        return (supervisor["pid"] as? NSNumber)?.int32Value
    }

    /// Removes whatever a test left, even when it failed: each container's supervisor (a
    /// `klein container-shim` for it, checked by its command line), its runc container, then every
    /// mount under the scratch directory.
    func cleanUp() {
        for id in containerIDs() {
            if let pid = supervisorPID(of: id),
               let command = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8), command.contains("container-shim"), command.contains(id) {
                kill(pid, SIGKILL)
            }
            _ = try? Tools.run("runc", ["delete", "--force", id])
        }
        for mount in Self.mountpoints(under: scratch.path).reversed() { _ = try? Tools.run("umount", ["-l", mount]) }
    }

    /// Mount points (field 5 of /proc/self/mountinfo) at or below `path`.
    static func mountpoints(under path: String) -> [String] {
        let table = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return table.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let mountpoint = String(fields[4])
            return mountpoint == path || mountpoint.hasPrefix(path + "/") ? mountpoint : nil
        }
    }
}
