import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Runs the real `klein` binary for the registry client tests, in a hermetic credential environment:
/// `DOCKER_CONFIG` is a directory of the test's own (so the user's `~/.docker/config.json` is never read or
/// written), and `REGISTRY_AUTH_FILE` and `XDG_RUNTIME_DIR` are empty (which Klein treats as unset).
struct ClientCLI {
    let scratch: Scratch
    var environment: [String: String]

    init(scratch: Scratch, extra: [String: String] = [:]) {
        self.scratch = scratch
        // No backtracer: a crash still prints its "Fatal error" line, without a minute of symbolication.
        environment = ["DOCKER_CONFIG": "\(scratch.path)/docker-config", "REGISTRY_AUTH_FILE": "", "XDG_RUNTIME_DIR": "",
                       "SWIFT_BACKTRACE": "enable=no"]
            .merging(extra) { _, new in new }
    }

    /// `$DOCKER_CONFIG/config.json`.
    var dockerConfigFile: String { "\(environment["DOCKER_CONFIG"]!)/config.json" }

    /// Runs `klein arguments…` and returns the result whatever it is.
    func run(_ arguments: [String], stdin: String? = nil) throws -> ClientRun {
        let started = ContinuousClock.now
        let process = try Tools.start("klein", arguments, environment: environment, stdin: stdin)
        process.process.waitUntilExit()
        let signaled = process.process.terminationReason == .uncaughtSignal
        return ClientRun(arguments: arguments, result: process.finish(), duration: ContinuousClock.now - started, signaled: signaled)
    }

    /// Runs `klein arguments…` and requires exit status 0 (the test stops otherwise, printing klein's stderr).
    @discardableResult
    func succeed(_ arguments: [String], stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> ClientRun {
        let run = try self.run(arguments, stdin: stdin)
        try #require(run.result.succeeded, "\(run)", sourceLocation: sourceLocation)
        return run
    }

    /// Runs `klein arguments…` and expects a non-zero exit with a one-line error on stderr (at most a few
    /// lines, none of them a Swift crash report). Returns the run.
    @discardableResult
    func fail(_ arguments: [String], stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> ClientRun {
        let run = try self.run(arguments, stdin: stdin)
        #expect(run.result.status != 0, "expected a failure: \(run)", sourceLocation: sourceLocation)
        #expect(!run.signaled, "klein died of a signal: \(run)", sourceLocation: sourceLocation)
        #expect(!run.stderr.isEmpty, "no error message: \(run)", sourceLocation: sourceLocation)
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Stack dump"), "klein crashed: \(run)",
                sourceLocation: sourceLocation)
        return run
    }
}

/// One finished `klein` run, printable for failure messages.
struct ClientRun: CustomStringConvertible {
    let arguments: [String]
    let result: Run
    let duration: Duration
    /// Whether klein was killed by a signal (a crash: `result.status` is then the signal number).
    let signaled: Bool

    var stdout: String { result.stdout }
    /// Standard error without surrounding whitespace.
    var stderr: String { result.stderr.trimmingCharacters(in: .whitespacesAndNewlines) }
    var status: Int32 { result.status }
    /// The non-empty lines of stderr that are not per-blob progress lines (`sha256:0123456789ab  copied  1 KiB`).
    var errorLines: [Substring] {
        stderr.split(separator: "\n").filter { line in
            !line.trimmingCharacters(in: .whitespaces).isEmpty && line.wholeMatch(of: /sha256:[0-9a-f]{12}  .*/) == nil
        }
    }

    var description: String {
        "klein \(arguments.joined(separator: " ")) \(signaled ? "died of signal" : "exited") \(result.status) after \(duration)\n--- stderr:\n\(Self.clip(result.stderr))\n"
            + "--- stdout:\n\(Self.clip(result.stdout))"
    }

    private static func clip(_ text: String) -> String {
        text.count <= 6000 ? text : text.prefix(6000) + "\n[… \(text.count - 6000) more characters]"
    }
}

/// A single-image OCI layout made by umoci (`umoci init`, `umoci new`) with one layer of random files
/// added by `klein layer add`, and what it holds.
struct ClientTestImage {
    /// The layout directory.
    let layout: String
    /// Its ref name.
    let ref: String
    /// The manifest's digest.
    let manifest: String
    let config: String
    let layers: [String]
    let layerSizes: [Int]

    /// `oci:LAYOUT:REF`.
    var location: String { "oci:\(layout):\(ref)" }

    /// Builds the image in `scratch/name`: files of random bytes of the given sizes, layer uncompressed
    /// (so its size is about the sum of the files and writing it costs no CPU).
    static func make(in scratch: Scratch, name: String = "source", ref: String = "app", files: [Int], compression: String = "none") throws -> ClientTestImage {
        let layout = "\(scratch.path)/\(name)"
        try Tools.peer("umoci", "init", "--layout", layout)
        try Tools.peer("umoci", "new", "--image", "\(layout):\(ref)")
        let tree = "\(scratch.path)/\(name)-tree"
        try FileManager.default.createDirectory(atPath: "\(tree)/data", withIntermediateDirectories: true)
        for (index, size) in files.enumerated() {
            try randomBytes(size).write(to: URL(fileURLWithPath: "\(tree)/data/file-\(index).bin"))
        }
        try Tools.peer("klein", ["layer", "add", "\(layout):\(ref)", tree, "--compression", compression])
        return try read(layout: layout, ref: ref)
    }

    /// What `layout` holds under `ref`.
    static func read(layout: String, ref: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> ClientTestImage {
        let manifest = try #require(try refs(in: layout)[ref], "\(layout) has no ref \(ref)", sourceLocation: sourceLocation)
        let document = try #require(
            try JSONSerialization.jsonObject(with: blob(manifest, in: layout)) as? [String: Any], sourceLocation: sourceLocation)
        let config = try #require((document["config"] as? [String: Any])?["digest"] as? String, sourceLocation: sourceLocation)
        let layers = (document["layers"] as? [[String: Any]]) ?? []
        return ClientTestImage(
            layout: layout, ref: ref, manifest: manifest, config: config,
            layers: layers.compactMap { $0["digest"] as? String }, layerSizes: layers.compactMap { ($0["size"] as? NSNumber)?.intValue })
    }

    /// `org.opencontainers.image.ref.name` → manifest digest, from `index.json`.
    static func refs(in layout: String) throws -> [String: String] {
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(layout)/index.json"))) as? [String: Any]
        var refs: [String: String] = [:]
        for entry in index?["manifests"] as? [[String: Any]] ?? [] {
            if let name = (entry["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"], let digest = entry["digest"] as? String {
                refs[name] = digest
            }
        }
        return refs
    }

    /// The bytes of blob `digest` in `layout`.
    static func blob(_ digest: String, in layout: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: "\(layout)/blobs/\(digest.replacingOccurrences(of: ":", with: "/"))"))
    }

    /// Expects `other` (a layout pulled from a registry) to hold this image byte for byte: same manifest digest
    /// under `ref`, same config and layers, identical blob bytes, and `klein layout fsck` clean.
    func expectIdentical(toLayout other: String, ref otherRef: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let pulled = try Self.read(layout: other, ref: otherRef, sourceLocation: sourceLocation)
        #expect(pulled.manifest == manifest, "manifest digest", sourceLocation: sourceLocation)
        #expect(pulled.config == config, sourceLocation: sourceLocation)
        #expect(pulled.layers == layers, sourceLocation: sourceLocation)
        for digest in [manifest, config] + layers {
            let ours = try Self.blob(digest, in: layout)
            let theirs = try Self.blob(digest, in: other)
            #expect(ours == theirs, "blob \(digest) differs (\(ours.count) vs \(theirs.count) bytes)", sourceLocation: sourceLocation)
        }
        let fsck = try Tools.run("klein", ["layout", "fsck", other])
        #expect(fsck.succeeded, "klein layout fsck \(other): \(fsck.stdout) \(fsck.stderr)", sourceLocation: sourceLocation)
    }

    static func randomBytes(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        var words = [UInt64](repeating: 0, count: (count + 7) / 8)
        for index in words.indices { words[index] = generator.next() }
        return words.withUnsafeBytes { Data($0.prefix(count)) }
    }
}

extension FaultProxy {
    /// The log, expecting the control endpoint to answer; for messages, one request per line.
    static func render(_ log: [LoggedRequest]) -> String {
        log.enumerated().map { "  \($0.offset): \($0.element)" }.joined(separator: "\n")
    }
}

/// CNCF Distribution (`docker-registry`) with htpasswd Basic authentication on a free loopback port.
final class DistributionWithAuth {
    let host: String
    let process: Process
    let logPath: String

    /// Starts `docker-registry serve` with `auth.htpasswd` pointing at `htpasswd` (bcrypt entries) and waits
    /// until `GET /v2/` answers 401; a few attempts in case the port is taken between probing and binding.
    static func start(scratch: Scratch, htpasswd: String) async throws -> DistributionWithAuth {
        let program = try Tools.path(of: "/usr/bin/docker-registry")
        guard FileManager.default.isExecutableFile(atPath: program) else { throw PeerMissing(program: "docker-registry") }
        var failures: [String] = []
        for attempt in 0..<3 {
            let port = try freeLoopbackPort()
            let config = try scratch.write("distribution-\(attempt).yml", """
                version: 0.1
                log:
                  level: info
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: \(scratch.path)/distribution-data
                  delete:
                    enabled: true
                auth:
                  htpasswd:
                    realm: klein-client-tests
                    path: \(htpasswd)
                http:
                  addr: 127.0.0.1:\(port)
                  secret: klein-client-\(UUID().uuidString)

                """)
            let logPath = "\(scratch.path)/distribution-\(attempt).log"
            let process = try Process.server(program, ["serve", config], stdout: logPath, stderr: logPath)
            let server = DistributionWithAuth(host: "127.0.0.1:\(port)", process: process, logPath: logPath)
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline && process.isRunning {
                if pingStatus("http://127.0.0.1:\(port)/v2/") == 401 { return server }
                try await Task.sleep(for: .milliseconds(25))
            }
            failures.append(server.log)
            server.stop()
        }
        throw ServerDidNotStart(command: "\(program) serve (htpasswd)", output: failures.joined(separator: "\n---\n"))
    }

    private init(host: String, process: Process, logPath: String) {
        self.host = host
        self.process = process
        self.logPath = logPath
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func stop() { process.terminate(within: 10) }

    deinit { process.killAndWait() }

    /// `GET url`'s status by curl (URLSession on Linux does not reliably finish a request answered 401).
    private static func pingStatus(_ url: String) -> Int? {
        guard let run = try? Tools.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", url]) else { return nil }
        return Int(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

}

/// A port on 127.0.0.1 that was free a moment ago.
func freeLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw NoFreePort(errno: errno) }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
    }
    guard bound == 0 else { throw NoFreePort(errno: errno) }
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    guard named == 0 else { throw NoFreePort(errno: errno) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Every file under `directory` (not the directories), relative path → contents, to show that a failed
/// command left a directory's content exactly as it was. A layout's lock file (`.klein/content.lock`, empty,
/// made by any writer taking the lock) is not content and is left out; ingest scratch files are not.
func directorySnapshot(_ directory: String) -> [String: Data] {
    var files: [String: Data] = [:]
    guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return files }
    while let relative = enumerator.nextObject() as? String {
        if relative == ".klein/content.lock" { continue }
        let path = "\(directory)/\(relative)"
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            files[relative] = FileManager.default.contents(atPath: path) ?? Data()
        }
    }
    return files
}
