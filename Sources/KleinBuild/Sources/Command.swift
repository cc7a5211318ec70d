import Foundation
import KleinArchive
import KleinSystem

/// Runs a system tool (git, dpkg-deb, apt-get) with a fixed environment: `LC_ALL=C`, `TZ=UTC`, no
/// git configuration outside the repository (no `autocrlf` or filters from `~/.gitconfig`) and no
/// inherited variables beyond `PATH`, `HOME` and those that only say where to fetch from (`APT_CONFIG`,
/// proxies), so what it produces does not depend on the caller: every fetched byte is checked against
/// its pinned hash or commit.
struct Command {
    let executable: String
    let arguments: [String]
    var directory: String?

    init(_ executable: String, _ arguments: [String], in directory: String? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.directory = directory
    }

    /// Inherited variables that choose where sources come from, never what they contain.
    private static let fetchLocation = ["HOME", "APT_CONFIG", "http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"]

    private var environment: [String: String] {
        let inherited = ProcessInfo.processInfo.environment
        var environment = ["LC_ALL": "C", "TZ": "UTC", "PATH": inherited["PATH"] ?? "/usr/bin:/bin", "GIT_TERMINAL_PROMPT": "0",
                           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"]
        for name in Self.fetchLocation { environment[name] = inherited[name] }
        return environment
    }

    /// Runs to completion; returns standard output, or throws with standard error's last lines.
    @discardableResult
    func run() throws(BuildError) -> String {
        let running = try stream()
        let output = MemorySink()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer { buffer.deallocate() }
        do {
            while case let count = try running.stream.read(into: buffer), count > 0 {
                try output.write(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            }
        } catch {
            throw .archive(what: "reading the output of \(executable)", error)
        }
        try running.finish()
        return String(decoding: output.bytes, as: UTF8.self)
    }

    /// Starts the tool (found on `PATH` by `/usr/bin/env`) with its standard output as a byte source;
    /// `finish` checks how it ended.
    func stream() throws(BuildError) -> StreamingCommand {
        var launch = ProcessLaunch("/usr/bin/env", [executable] + arguments, environment: environment, directory: directory)
        launch.standardOutput = .pipe
        launch.standardError = .pipe
        do {
            return StreamingCommand(command: self, running: try launch.start())
        } catch {
            throw .system(what: "running \(executable)", error)
        }
    }
}

/// A running tool whose standard output is being read; its standard error is collected on a thread of
/// its own, so a tool writing much there never blocks.
final class StreamingCommand {
    let command: Command
    let process: ChildProcess
    let stream: FileSource
    private let errors = ErrorCollector()

    init(command: Command, running: RunningProcess) {
        self.command = command
        process = running.process
        stream = FileSource(running.standardOutput!)
        let errors = self.errors
        nonisolated(unsafe) let errorPipe = running.standardError!
        detachBackgroundThread { errors.collect(errorPipe) }
    }

    deinit { process.signal(SIGTERM) }

    /// Reads what is left of the output, waits for the tool and checks its exit status.
    func finish() throws(BuildError) {
        do { try stream.drain() } catch {
            throw .archive(what: "reading the output of \(command.executable)", error)
        }
        let message = errors.text
        let termination = process.waitUntilExit()!
        guard termination == .exited(0) else {
            let lines = message.split(separator: "\n").suffix(3).joined(separator: "; ")
            throw .failed(what: "\(command.executable) \(command.arguments.joined(separator: " "))", reason: lines.isEmpty ? "\(termination)" : lines)
        }
    }
}

/// Standard error read to its end, then handed over once.
private final class ErrorCollector: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private var bytes: [UInt8] = []

    func collect(_ pipe: POSIXFile) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let count = (try? buffer.withUnsafeMutableBytes { try pipe.read(into: $0) }) ?? 0, count > 0 {
            bytes += buffer[..<count]
        }
        finished.signal()
    }

    /// Waits for the end of the pipe.
    var text: String {
        finished.wait()
        finished.signal()
        return String(decoding: bytes, as: UTF8.self)
    }
}
