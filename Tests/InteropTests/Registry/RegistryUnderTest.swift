import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// The registries the conformance suite runs against: Klein's `klein serve`, and CNCF Distribution 2.8
/// (`docker-registry`) as the reference that keeps the tests honest about the spec.
enum RegistryKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case klein, distribution

    var testDescription: String { rawValue }
}

/// One running registry on 127.0.0.1 with its own empty storage directory, stopped by `with`.
final class RegistryUnderTest {
    struct Options: Sendable {
        /// Deletion of manifests, tags and blobs (`klein serve --no-delete`; Distribution's `storage.delete.enabled`).
        var deleteEnabled = true
        /// `klein serve --max-manifest-size`; Klein only (Distribution's limit is fixed at 4 MiB).
        var maxManifestSize: Int? = nil

        static let standard = Options()
    }

    let kind: RegistryKind
    let base: URL
    let http: RegistryHTTP
    private let process: Process
    private let scratch: Scratch
    private let logPath: String

    private init(kind: RegistryKind, base: URL, process: Process, scratch: Scratch, logPath: String) {
        self.kind = kind
        self.base = base
        self.process = process
        self.scratch = scratch
        self.logPath = logPath
        http = RegistryHTTP(base: base, kind: kind)
    }

    /// Starts a fresh registry of `kind`, runs `body` against it, and always stops it. At most
    /// `RegistrySlots.limit` registries run at once, so a parallel test run does not starve them of CPU.
    static func with(
        _ kind: RegistryKind, _ options: Options = .standard,
        _ body: (RegistryUnderTest) async throws -> Void
    ) async throws {
        await RegistrySlots.shared.acquire()
        do {
            let registry = try await start(kind, options)
            defer { registry.stop() }
            try await body(registry)
        } catch {
            await RegistrySlots.shared.release()
            throw error
        }
        await RegistrySlots.shared.release()
    }

    /// Stops the server: SIGTERM, then SIGKILL if it has not exited within ten seconds (a failure for Klein,
    /// which promises to stop on SIGTERM).
    func stop() {
        http.invalidate()
        guard process.isRunning else {
            if kind == .klein { Issue.record("klein serve exited during the test: \(log)") }
            return
        }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            if kind == .klein { Issue.record("klein serve did not stop within 10 s of SIGTERM") }
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    /// The server's log so far (stdout and stderr), for failure messages.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    private static func start(_ kind: RegistryKind, _ options: Options) async throws -> RegistryUnderTest {
        switch kind {
        case .klein: try await startKlein(options)
        case .distribution: try await startDistribution(options)
        }
    }

    /// `klein serve --listen 127.0.0.1:0 --data DIR`, which prints
    /// `klein registry listening on http://127.0.0.1:PORT` when ready.
    private static func startKlein(_ options: Options) async throws -> RegistryUnderTest {
        let scratch = try Scratch()
        let data = "\(scratch.path)/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        var arguments = ["serve", "--listen", "127.0.0.1:0", "--data", data]
        if !options.deleteEnabled { arguments.append("--no-delete") }
        if let size = options.maxManifestSize { arguments += ["--max-manifest-size", String(size)] }
        let stdout = "\(scratch.path)/stdout.log"
        let stderr = "\(scratch.path)/stderr.log"
        let process = try launch(Tools.klein, arguments, stdout: stdout, stderr: stderr)
        let deadline = Date().addingTimeInterval(60)
        let marker = "klein registry listening on "
        while Date() < deadline {
            let output = (try? String(contentsOfFile: stdout, encoding: .utf8)) ?? ""
            if let line = output.split(separator: "\n").first(where: { $0.hasPrefix(marker) }),
               let base = URL(string: String(line.dropFirst(marker.count)).trimmingCharacters(in: .whitespaces)) {
                return RegistryUnderTest(kind: .klein, base: base, process: process, scratch: scratch, logPath: stderr)
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        let errors = (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? ""
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        throw ServerDidNotStart(command: "\(Tools.klein) \(arguments.joined(separator: " "))", output: errors)
    }

    /// `docker-registry serve config.yml` on a free port, ready once `GET /v2/` answers.
    private static func startDistribution(_ options: Options) async throws -> RegistryUnderTest {
        let program = try Tools.path(of: "/usr/bin/docker-registry")
        guard FileManager.default.isExecutableFile(atPath: program) else { throw PeerMissing(program: "docker-registry") }
        var failures: [String] = []
        for _ in 0..<3 {  // a free port can be taken between probing it and the server binding it
            let scratch = try Scratch()
            let port = try freePort()
            let config = try scratch.write("config.yml", """
                version: 0.1
                log:
                  level: error
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: \(scratch.path)/data
                  delete:
                    enabled: \(options.deleteEnabled)
                http:
                  addr: 127.0.0.1:\(port)
                  secret: klein-conformance-\(UUID().uuidString)

                """)
            let logPath = "\(scratch.path)/registry.log"
            let process = try launch(program, ["serve", config], stdout: logPath, stderr: logPath)
            let base = try #require(URL(string: "http://127.0.0.1:\(port)"))
            let registry = RegistryUnderTest(kind: .distribution, base: base, process: process, scratch: scratch, logPath: logPath)
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline && process.isRunning {
                if await answers(base.appendingPathComponent("v2/")) { return registry }
                try await Task.sleep(for: .milliseconds(25))
            }
            failures.append(registry.log)
            registry.stop()
        }
        throw ServerDidNotStart(command: "\(program) serve config.yml", output: failures.joined(separator: "\n---\n"))
    }

    private static func answers(_ url: URL) async -> Bool {
        var request = URLRequest(url: url)
        request.timeoutInterval = 2
        let session = URLSession(configuration: .ephemeral)
        defer { session.invalidateAndCancel() }
        guard let (_, response) = try? await session.data(for: request) else { return false }
        return (response as? HTTPURLResponse)?.statusCode == 200
    }

    private static func launch(_ executable: String, _ arguments: [String], stdout: String, stderr: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: stdout, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
        process.standardOutput = out
        process.standardError = stdout == stderr ? out : try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// A port on 127.0.0.1 that was free a moment ago.
    private static func freePort() throws -> Int {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketDescriptor >= 0 else { throw NoFreePort(errno: errno) }
        defer { close(socketDescriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketDescriptor, $0, length) }
        }
        guard bound == 0 else { throw NoFreePort(errno: errno) }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketDescriptor, $0, &length) }
        }
        guard named == 0 else { throw NoFreePort(errno: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A counting semaphore bounding how many registries run at once.
actor RegistrySlots {
    static let shared = RegistrySlots()
    static let limit = max(4, 2 * ProcessInfo.processInfo.activeProcessorCount)

    private var available = RegistrySlots.limit
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            available += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

struct ServerDidNotStart: Error, CustomStringConvertible {
    let command: String
    let output: String
    var description: String { "registry did not start: \(command)\n\(output)" }
}

struct NoFreePort: Error, CustomStringConvertible {
    let errno: Int32
    var description: String { "no free port on 127.0.0.1 (errno \(errno))" }
}
