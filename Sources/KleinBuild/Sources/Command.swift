import Foundation
import KleinArchive
import KleinSystem

/// Runs a system tool (git, dpkg-deb, apt-get) with a fixed environment: `LC_ALL=C`, `TZ=UTC`, no
/// git configuration outside the repository (no `autocrlf` or filters from `~/.gitconfig`) and no
/// inherited variables beyond `PATH` and `HOME`, so what it produces does not depend on the caller.
struct Command {
    let executable: String
    let arguments: [String]
    var directory: String?

    init(_ executable: String, _ arguments: [String], in directory: String? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.directory = directory
    }

    private var environment: [String: String] {
        let inherited = ProcessInfo.processInfo.environment
        var environment = ["LC_ALL": "C", "TZ": "UTC", "PATH": inherited["PATH"] ?? "/usr/bin:/bin", "GIT_TERMINAL_PROMPT": "0",
                           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"]
        environment["HOME"] = inherited["HOME"]
        return environment
    }

    private func makeProcess() -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardInput = FileHandle.nullDevice
        return process
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
            throw .failed(what: "reading the output of \(executable)", reason: "\(error)")
        }
        try running.finish()
        return String(decoding: output.bytes, as: UTF8.self)
    }

    /// Starts the tool with its standard output as a byte source; `finish` checks how it ended.
    func stream() throws(BuildError) -> StreamingCommand {
        let process = makeProcess()
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch { throw .failed(what: "running \(executable)", reason: "\(error.localizedDescription); is it installed?") }
        return StreamingCommand(command: self, process: process, output: output, errors: errors)
    }
}

/// Reads a pipe to its end on another thread, so a tool writing much to it never blocks.
final class PipeCollector: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ pipe: Pipe) {
        Thread.detachNewThread { [self] in
            data = pipe.fileHandleForReading.readDataToEndOfFile()
            finished.signal()
        }
    }

    /// Waits for the end of the pipe.
    var text: String {
        finished.wait()
        finished.signal()
        return String(decoding: data, as: UTF8.self)
    }
}

/// A running tool whose standard output is being read.
final class StreamingCommand {
    let command: Command
    let process: Process
    let stream: FileSource
    private let errors: PipeCollector

    init(command: Command, process: Process, output: Pipe, errors: Pipe) {
        self.command = command
        self.process = process
        self.errors = PipeCollector(errors)
        stream = FileSource(POSIXFile(adopting: dup(output.fileHandleForReading.fileDescriptor), path: "the output of \(command.executable)"))
        try? output.fileHandleForReading.close()
    }

    deinit { if process.isRunning { process.terminate() } }

    /// Reads what is left of the output, waits for the tool and checks its exit status.
    func finish() throws(BuildError) {
        do { try stream.drain() } catch {
            throw .failed(what: "reading the output of \(command.executable)", reason: "\(error)")
        }
        let message = errors.text
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let lines = message.split(separator: "\n").suffix(3).joined(separator: "; ")
            throw .failed(what: "\(command.executable) \(command.arguments.joined(separator: " "))", reason: lines.isEmpty ? "exit status \(process.terminationStatus)" : lines)
        }
    }
}
