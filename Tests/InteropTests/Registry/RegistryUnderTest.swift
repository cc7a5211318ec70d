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
    private let server: Server
    private let scratch: Scratch

    /// The process behind a registry under test.
    private enum Server {
        case klein(KleinServe)
        /// `docker-registry`, with standard output and error both in the file `log`.
        case distribution(Process, log: String)
    }

    private init(_ server: Server, base: URL, scratch: Scratch) {
        switch server {
        case .klein: kind = .klein
        case .distribution: kind = .distribution
        }
        self.server = server
        self.base = base
        self.scratch = scratch
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
    /// which promises to stop on SIGTERM, as is exiting before `stop`).
    func stop() {
        http.invalidate()
        switch server {
        case .klein(let klein):
            guard klein.isRunning else {
                Issue.record("klein serve exited during the test: \(klein.log)")
                return
            }
            klein.stop(timeout: 10)
        case .distribution(let process, _):
            process.terminate(within: 10)
        }
    }

    /// The server's log so far, for failure messages: Klein's stderr, Distribution's stdout and stderr.
    var log: String {
        switch server {
        case .klein(let klein): klein.log
        case .distribution(_, let log): (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        }
    }

    private static func start(_ kind: RegistryKind, _ options: Options) async throws -> RegistryUnderTest {
        switch kind {
        case .klein: try await startKlein(options)
        case .distribution: try await startDistribution(options)
        }
    }

    /// `klein serve` as `KleinServe` starts it, with `options` as flags.
    private static func startKlein(_ options: Options) async throws -> RegistryUnderTest {
        var arguments: [String] = []
        if !options.deleteEnabled { arguments.append("--no-delete") }
        if let size = options.maxManifestSize { arguments += ["--max-manifest-size", String(size)] }
        let scratch = try Scratch()
        let klein = try await KleinServe.start(scratch: scratch, arguments: arguments, timeout: 60)
        return RegistryUnderTest(.klein(klein), base: klein.base, scratch: scratch)
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
            let process = try Process.server(program, ["serve", config], stdout: logPath, stderr: logPath)
            let base = try #require(URL(string: "http://127.0.0.1:\(port)"))
            let registry = RegistryUnderTest(.distribution(process, log: logPath), base: base, scratch: scratch)
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
