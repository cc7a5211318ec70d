import Foundation
import Testing

/// A `klein serve` on a free loopback port with its data in a scratch directory, stopped with SIGTERM.
/// Its output goes to files in the scratch directory so the ready line can be read while it runs.
final class KleinServe {
    /// `127.0.0.1:PORT`, from the ready line `klein registry listening on http://127.0.0.1:PORT`.
    let host: String
    /// `SCHEME://127.0.0.1:PORT`.
    let base: URL
    /// The data directory.
    let data: String
    private let process: Process
    private let stderrPath: String
    private var client: RegistryHTTP?

    /// Starts on `data` (default `<scratch>/registry-data`) with extra `arguments` for `klein serve`,
    /// blocking the thread until the server is ready.
    convenience init(
        scratch: Scratch, data: String? = nil, arguments: [String] = [], scheme: String = "http", timeout: TimeInterval = 30,
        environment: [String: String] = [:]
    ) throws {
        let launch = try Launch(scratch: scratch, data: data, arguments: arguments, scheme: scheme, timeout: timeout, environment: environment)
        self.init(launch, ready: try launch.waitBlocking())
    }

    /// Starts with `--config file` and no other flag, in `directory`: where it listens and keeps its data
    /// come from the file alone. `data` is where the test expects the data directory to be.
    convenience init(scratch: Scratch, configuredBy file: String, expectingData data: String, in directory: String) throws {
        let launch = try Launch(scratch: scratch, data: data, serveArguments: ["--config", file], scheme: "http", timeout: 30, directory: directory)
        self.init(launch, ready: try launch.waitBlocking())
    }

    /// As `init(scratch:data:arguments:scheme:timeout:)`, but waits for the server without blocking a thread.
    static func start(
        scratch: Scratch, data: String? = nil, arguments: [String] = [], scheme: String = "http", timeout: TimeInterval = 30
    ) async throws -> KleinServe {
        let launch = try Launch(scratch: scratch, data: data, arguments: arguments, scheme: scheme, timeout: timeout)
        return KleinServe(launch, ready: try await launch.wait())
    }

    private init(_ launch: Launch, ready: (host: String, base: URL)) {
        host = ready.host
        base = ready.base
        data = launch.data
        process = launch.process
        stderrPath = launch.stderrPath
    }

    /// A client of this server (made on first use; closed by `stop` and `crash`).
    var http: RegistryHTTP {
        if let client { return client }
        let made = RegistryHTTP(base: base, kind: .klein)
        client = made
        return made
    }

    var isRunning: Bool { process.isRunning }

    /// A field of the server's `/proc/PID/status` in KiB, such as `VmHWM` (peak resident set) or `VmRSS`.
    func memoryKiB(_ field: String) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("\(field):") }, "no \(field) in /proc status")
        return try #require(Int(line.split(separator: " ").dropFirst().first ?? ""), "\(line)")
    }

    /// Sends SIGTERM and waits; a server that does not exit on its own within `timeout` is killed and the test fails.
    func stop(timeout: TimeInterval = 10, sourceLocation: SourceLocation = #_sourceLocation) {
        client?.invalidate()
        guard process.isRunning else { return }
        if !process.terminate(within: timeout) {
            Issue.record("klein serve did not stop within \(Int(timeout)) s of SIGTERM", sourceLocation: sourceLocation)
        }
        #expect(process.terminationReason == .exit, "klein serve died of signal \(process.terminationStatus) instead of shutting down on SIGTERM",
                sourceLocation: sourceLocation)
    }

    /// Kills the server with SIGKILL, as a crash would, and waits for it.
    func crash() {
        client?.invalidate()
        process.killAndWait()
    }

    /// What the server wrote to standard error so far, for failure messages.
    var log: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    deinit {
        client?.invalidate()
        process.killAndWait()
    }

    /// `klein serve --listen 127.0.0.1:0` started, not yet known to be ready.
    private struct Launch {
        let process: Process
        let data: String
        let stdoutPath: String
        let stderrPath: String
        let scheme: String
        let deadline: Date

        init(scratch: Scratch, data: String?, arguments: [String], scheme: String, timeout: TimeInterval, environment: [String: String] = [:]) throws {
            let data = data ?? "\(scratch.path)/registry-data"
            try self.init(scratch: scratch, data: data, serveArguments: ["--listen", "127.0.0.1:0", "--data", data] + arguments,
                          scheme: scheme, timeout: timeout, environment: environment)
        }

        /// `klein serve serveArguments`, run in `directory` (default: this process's) with `environment` over
        /// this process's, keeping its data in `data`.
        init(
            scratch: Scratch, data: String, serveArguments: [String], scheme: String, timeout: TimeInterval, directory: String? = nil,
            environment: [String: String] = [:]
        ) throws {
            let instance = UUID().uuidString
            self.data = data
            self.scheme = scheme
            stdoutPath = "\(scratch.path)/serve-\(instance).out"
            stderrPath = "\(scratch.path)/serve-\(instance).err"
            process = try Process.server(Tools.klein, ["serve"] + serveArguments, stdout: stdoutPath, stderr: stderrPath,
                                         directory: directory, environment: environment)
            deadline = Date().addingTimeInterval(timeout)
        }

        /// The address from the complete ready line `klein registry listening on SCHEME://127.0.0.1:PORT`, nil while
        /// there is none yet; `ServerNotReady` (the server killed) once it has exited or the deadline has passed.
        func poll() throws -> (host: String, base: URL)? {
            let prefix = "klein registry listening on \(scheme)://"
            let complete = read(stdoutPath).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            if let line = complete.first(where: { $0.hasPrefix(prefix) }) {
                let host = String(line.dropFirst(prefix.count))
                guard host.hasPrefix("127.0.0.1:"), Int(host.dropFirst("127.0.0.1:".count)) != nil,
                      let base = URL(string: "\(scheme)://\(host)") else { throw notReady() }
                return (host, base)
            }
            guard process.isRunning, Date() < deadline else { throw notReady() }
            return nil
        }

        func waitBlocking() throws -> (host: String, base: URL) {
            while true {
                if let ready = try poll() { return ready }
                usleep(20_000)
            }
        }

        func wait() async throws -> (host: String, base: URL) {
            while true {
                if let ready = try poll() { return ready }
                do { try await Task.sleep(for: .milliseconds(20)) } catch {
                    process.killAndWait()
                    throw error
                }
            }
        }

        private func notReady() -> ServerNotReady {
            let exited = !process.isRunning
            process.killAndWait()
            return ServerNotReady(stdout: read(stdoutPath), stderr: read(stderrPath), exited: exited)
        }

        private func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    }
}

struct ServerNotReady: Error, CustomStringConvertible {
    let stdout: String
    let stderr: String
    let exited: Bool
    var description: String {
        "klein serve \(exited ? "exited" : "printed no ready line") (stdout: \(stdout.debugDescription), stderr: \(stderr.debugDescription))"
    }
}
