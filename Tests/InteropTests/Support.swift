import Foundation
import Testing

/// The result of running a program to completion.
struct Run {
    let status: Int32
    let stdout: String
    let stderr: String
    var succeeded: Bool { status == 0 }
}

enum Tools {
    /// The `klein` binary built beside this test bundle, or `$KLEIN_BIN`.
    static let klein: String = {
        if let override = ProcessInfo.processInfo.environment["KLEIN_BIN"] { return override }
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("klein").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return "\(repository)/.build/debug/klein"
    }()

    /// The package's root directory.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

    /// Finds a peer program on PATH; a missing peer is a test failure, never a skip.
    static func path(of program: String) throws -> String {
        if program.hasPrefix("/") { return program }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw PeerMissing(program: program)
    }

    /// Runs a program with output captured in files (no pipe deadlocks on large output).
    @discardableResult
    static func run(
        _ program: String, _ arguments: [String], in directory: String? = nil, environment: [String: String]? = nil, stdin: String? = nil
    ) throws -> Run {
        let process = try start(program, arguments, in: directory, environment: environment, stdin: stdin)
        process.process.waitUntilExit()
        return process.finish()
    }

    /// Starts a program; `environment` is merged over this process's environment, `stdin` (if given) is its standard input.
    static func start(
        _ program: String, _ arguments: [String], in directory: String? = nil, environment: [String: String]? = nil, stdin: String? = nil
    ) throws -> RunningProcess {
        try RunningProcess(executable: program == "klein" ? klein : path(of: program), arguments: arguments, directory: directory,
                           environment: environment, stdin: stdin)
    }

    /// Runs `klein` and expects success, returning its standard output.
    @discardableResult
    static func klein(_ arguments: String..., in directory: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run("klein", arguments, in: directory)
        #expect(result.succeeded, "klein \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout
    }

    /// Runs a peer tool and expects success, returning its standard output.
    @discardableResult
    static func peer(_ program: String, _ arguments: String..., in directory: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try peer(program, arguments, in: directory, sourceLocation: sourceLocation)
    }

    @discardableResult
    static func peer(_ program: String, _ arguments: [String], in directory: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run(program, arguments, in: directory)
        #expect(result.succeeded, "\(program) \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout
    }
}

struct PeerMissing: Error, CustomStringConvertible {
    let program: String
    var description: String { "\(program) is not installed; run scripts/test, which installs the interop peers" }
}

/// A started process whose output goes to temporary files.
final class RunningProcess {
    let process = Process()
    private let stdoutURL: URL
    private let stderrURL: URL
    private let stdinURL: URL?

    /// `environment` is merged over this process's environment; `stdin`, if given, is written to a file that becomes
    /// the standard input (else `/dev/null`).
    init(executable: String, arguments: [String], directory: String?, environment: [String: String]? = nil, stdin: String? = nil) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("klein-run-\(UUID().uuidString)")
        stdoutURL = base.appendingPathExtension("out")
        stderrURL = base.appendingPathExtension("err")
        stdinURL = stdin.map { _ in base.appendingPathExtension("in") }
        if let stdin, let stdinURL { try Data(stdin.utf8).write(to: stdinURL) }
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        if let stdinURL {
            process.standardInput = try FileHandle(forReadingFrom: stdinURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
    }

    func finish() -> Run {
        defer {
            try? FileManager.default.removeItem(at: stdoutURL)
            try? FileManager.default.removeItem(at: stderrURL)
            if let stdinURL { try? FileManager.default.removeItem(at: stdinURL) }
        }
        let read = { (url: URL) in (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
        return Run(status: process.terminationStatus, stdout: read(stdoutURL), stderr: read(stderrURL))
    }
}

/// A fresh directory for one test, removed afterwards.
final class Scratch {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("klein-interop-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ relative: String, _ contents: String) throws -> String {
        let url = URL(fileURLWithPath: "\(path)/\(relative)")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: url)
        return url.path
    }

    func read(_ relative: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: "\(path)/\(relative)")) }

    func json(_ relative: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: read(relative)) as? [String: Any] ?? [:]
    }
}

/// Fetches a value, and again every `interval` until `done` holds or `seconds` have passed (0: only once);
/// returns the last value, for the caller to check. For what a busy machine may do a moment late.
func polled<Value>(for seconds: TimeInterval, every interval: Duration = .milliseconds(50),
                   _ fetch: () async throws -> Value, until done: (Value) -> Bool) async throws -> Value {
    let deadline = Date().addingTimeInterval(seconds)
    var value = try await fetch()
    while !done(value), Date() < deadline {
        try await Task.sleep(for: interval)
        value = try await fetch()
    }
    return value
}
