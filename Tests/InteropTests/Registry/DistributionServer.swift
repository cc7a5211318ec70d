import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CNCF Distribution (`docker-registry serve`) on a free loopback port, with standard output and error in
/// one log file: the conformance suite's reference registry, and the client tests' htpasswd registry.
final class DistributionServer {
    /// `127.0.0.1:PORT`.
    let host: String
    let process: Process
    private let logPath: String

    /// Writes a config into `scratch` (storage in `scratch/distribution-data`, `extraConfig` appended as
    /// top-level YAML, e.g. an `auth:` section) and starts the server, ready once `GET /v2/` answers
    /// `readyStatus` (401 behind authentication); a few attempts in case the port is taken between probing
    /// and binding.
    static func start(
        scratch: Scratch, deleteEnabled: Bool = true, logLevel: String = "error", extraConfig: String = "", readyStatus: Int = 200
    ) async throws -> DistributionServer {
        let program = try Tools.path(of: "/usr/bin/docker-registry")
        guard FileManager.default.isExecutableFile(atPath: program) else { throw PeerMissing(program: "docker-registry") }
        var failures: [String] = []
        for attempt in 0..<3 {
            let port = try freeLoopbackPort()
            let config = try scratch.write("distribution-\(attempt).yml", """
                version: 0.1
                log:
                  level: \(logLevel)
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: \(scratch.path)/distribution-data
                  delete:
                    enabled: \(deleteEnabled)
                http:
                  addr: 127.0.0.1:\(port)
                  secret: klein-tests-\(UUID().uuidString)
                \(extraConfig)

                """)
            let logPath = "\(scratch.path)/distribution-\(attempt).log"
            let process = try Process.server(program, ["serve", config], stdout: logPath, stderr: logPath)
            let server = DistributionServer(host: "127.0.0.1:\(port)", process: process, logPath: logPath)
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline && process.isRunning {
                if statusOfGet("http://127.0.0.1:\(port)/v2/") == readyStatus { return server }
                try await Task.sleep(for: .milliseconds(25))
            }
            failures.append(server.log)
            server.stop()
        }
        throw ServerDidNotStart(command: "\(program) serve config.yml", output: failures.joined(separator: "\n---\n"))
    }

    private init(host: String, process: Process, logPath: String) {
        self.host = host
        self.process = process
        self.logPath = logPath
    }

    /// What the server wrote so far, for failure messages.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM, then SIGKILL if it has not exited within ten seconds.
    func stop() { process.terminate(within: 10) }

    deinit { process.killAndWait() }

    /// `GET url`'s status by curl (URLSession on Linux does not reliably finish a request answered 401).
    private static func statusOfGet(_ url: String) -> Int? {
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
