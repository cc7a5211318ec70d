import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Servers the tests launch: output to files (readable while the server runs), stopped by signal.
extension Process {
    /// Starts `executable` with standard output and error going to the files `stdout` and `stderr`
    /// (created empty; one path for both shares one file) and no standard input.
    static func server(
        _ executable: String, _ arguments: [String], stdout: String, stderr: String, directory: String? = nil, environment: [String: String] = [:]
    ) throws -> Process {
        _ = FileManager.default.createFile(atPath: stdout, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
        process.standardOutput = out
        process.standardError = stdout == stderr ? out : try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// SIGTERM, then up to `timeout` for the process to exit, then SIGKILL; waits for it either way.
    /// Returns whether it exited within `timeout` (true for one that was not running).
    @discardableResult
    func terminate(within timeout: TimeInterval) -> Bool {
        guard isRunning else { return true }
        kill(processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline { usleep(20_000) }
        let exited = !isRunning
        killAndWait()
        return exited
    }

    /// SIGKILL, as a crash would, and waits for the process.
    func killAndWait() {
        if isRunning { kill(processIdentifier, SIGKILL) }
        waitUntilExit()
    }
}
