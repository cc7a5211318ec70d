import Foundation
import Testing

/// A `klein serve` on a free loopback port with its data in a scratch directory, stopped with SIGTERM.
/// Its output goes to files in the scratch directory so the ready line can be read while it runs.
final class KleinServe {
    /// `127.0.0.1:PORT`, from the ready line `klein registry listening on http://127.0.0.1:PORT`.
    let host: String
    /// The data directory.
    let data: String
    private let process = Process()
    private let stderrPath: String

    /// Starts on `data` (default `<scratch>/registry-data`) with extra `arguments` for `klein serve`.
    init(scratch: Scratch, data: String? = nil, arguments: [String] = [], scheme: String = "http", timeout: TimeInterval = 30) throws {
        let data = data ?? "\(scratch.path)/registry-data"
        self.data = data
        let instance = UUID().uuidString
        let stdoutPath = "\(scratch.path)/serve-\(instance).out"
        stderrPath = "\(scratch.path)/serve-\(instance).err"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Tools.klein)
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--data", data] + arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()

        let prefix = "klein registry listening on \(scheme)://"
        let deadline = Date().addingTimeInterval(timeout)
        var ready: String?
        while ready == nil && Date() < deadline && process.isRunning {
            let output = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
            ready = output.split(separator: "\n").first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
            if ready == nil { usleep(20_000) }
        }
        guard let ready, ready.hasPrefix("127.0.0.1:"), Int(ready.dropFirst("127.0.0.1:".count)) != nil else {
            let running = process.isRunning
            if running { process.terminate() }
            process.waitUntilExit()
            throw ServerNotReady(stdout: (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "",
                                 stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "",
                                 exited: !running)
        }
        host = ready
    }

    /// Sends SIGTERM and waits; a server that does not exit on its own within `timeout` is killed and the test fails.
    func stop(timeout: TimeInterval = 10, sourceLocation: SourceLocation = #_sourceLocation) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            Issue.record("klein serve did not stop within \(Int(timeout)) s of SIGTERM", sourceLocation: sourceLocation)
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        #expect(process.terminationReason == .exit, "klein serve died of signal \(process.terminationStatus) instead of shutting down on SIGTERM",
                sourceLocation: sourceLocation)
    }

    /// Kills the server with SIGKILL, as a crash would, and waits for it.
    func crash() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// What the server wrote to standard error so far, for failure messages.
    var log: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
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
