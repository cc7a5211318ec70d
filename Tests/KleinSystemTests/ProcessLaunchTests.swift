import Foundation
import Testing
import KleinSystem

/// `ProcessLaunch` and `ChildProcess`: exit statuses, signals, pipes, environment, working directory,
/// terminate-then-kill, and waits that never hold a thread of Swift's cooperative pool.
@Suite struct ProcessLaunchTests {
    /// Runs `script` with `/bin/sh -c`, its output on a pipe; returns how it ended and what it wrote.
    func shell(_ script: String, environment: [String: String]? = nil, directory: String? = nil) async throws -> (ProcessTermination, String) {
        var launch = ProcessLaunch("/bin/sh", ["-c", script], environment: environment, directory: directory)
        launch.standardOutput = .pipe
        let running = try launch.start()
        let output = try readToEnd(running.standardOutput!)
        return (await running.process.exit(), output)
    }

    func readToEnd(_ file: POSIXFile) throws -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let count = try buffer.withUnsafeMutableBytes({ try file.read(into: $0) }), count > 0 { bytes += buffer[..<count] }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test(arguments: [0, 1, 3, 255])
    func exitStatusIsReported(status: Int32) async throws {
        let (termination, _) = try await shell("exit \(status)")
        #expect(termination == .exited(status))
        #expect(termination.code == status)
    }

    @Test func aSignalThatEndsTheChildIsReported() async throws {
        let (termination, _) = try await shell("kill -USR1 $$")
        #expect(termination == .signalled(SIGUSR1))
        #expect(termination.code == 128 + SIGUSR1)
    }

    @Test func standardInputOutputAndErrorPipes() async throws {
        var launch = ProcessLaunch("/bin/sh", ["-c", "tr a-z A-Z; echo oops >&2"])
        launch.standardInput = .pipe
        launch.standardOutput = .pipe
        launch.standardError = .pipe
        let running = try launch.start()
        try running.standardInput!.writeAll(Array("hello\n".utf8))
        try running.standardInput!.close()
        #expect(try readToEnd(running.standardOutput!) == "HELLO\n")
        #expect(try readToEnd(running.standardError!) == "oops\n")
        #expect(await running.process.exit() == .exited(0))
    }

    @Test func theEnvironmentIsExactlyTheOneGiven() async throws {
        var launch = ProcessLaunch("/usr/bin/env", environment: ["KLEIN_A": "1", "B": "two words"])
        launch.standardOutput = .pipe
        let running = try launch.start()
        #expect(try readToEnd(running.standardOutput!) == "B=two words\nKLEIN_A=1\n")
        #expect(await running.process.exit() == .exited(0))
    }

    @Test func theWorkingDirectoryIsTheOneGiven() async throws {
        try await inTemporaryDirectoryAsync { directory in
            let (_, output) = try await shell("pwd -P", directory: directory)
            #expect(output == realpath(directory) + "\n")
        }
    }

    @Test func nullStreamsAndAFileAsOutput() async throws {
        try await inTemporaryDirectoryAsync { directory in
            let file = try POSIXFile.open("\(directory)/out", flags: O_WRONLY | O_CREAT)
            var launch = ProcessLaunch("/bin/sh", ["-c", "cat; echo written"])
            launch.standardOutput = .file(file)
            let running = try launch.start()
            #expect(await running.process.exit() == .exited(0))
            #expect(try String(contentsOfFile: "\(directory)/out", encoding: .utf8) == "written\n")
        }
    }

    @Test func aMissingProgramIsASystemError() {
        #expect(throws: SystemError(operation: "start", path: "/nonexistent/program", errno: ENOENT)) {
            try ProcessLaunch("/nonexistent/program").start()
        }
    }

    @Test func theChildGetsItsOwnProcessGroupAndDefaultSignals() async throws {
        // SIGPIPE ignored here would be inherited without the reset: `yes | head` would then end `yes` with an error.
        let (termination, output) = try await shell("ps -o pgid= -p $$; yes | head -n 1")
        #expect(termination.succeeded)
        let lines = output.split(separator: "\n")
        #expect(lines.count == 2 && lines[1] == "y")
        #expect(Int32(lines.first?.trimmingCharacters(in: .whitespaces) ?? "") != getpgrp())
    }

    @Test(.timeLimit(.minutes(1)))
    func terminateKillsAChildThatIgnoresSIGTERM() async throws {
        var launch = ProcessLaunch("/bin/sh", ["-c", "trap '' TERM; echo ready; while :; do sleep 1; done"])
        launch.standardOutput = .pipe
        let running = try launch.start()
        defer { running.process.signal(SIGKILL, group: true) }
        var ready = [UInt8](repeating: 0, count: 6)
        _ = try ready.withUnsafeMutableBytes { try running.standardOutput!.readFully(into: $0) }
        let started = ContinuousClock.now
        let termination = await running.process.terminate(grace: .milliseconds(300), group: true)
        // SIGTERM was ignored for the whole grace period, then SIGKILL ended it.
        #expect(termination == .signalled(SIGKILL))
        #expect(ContinuousClock.now - started >= .milliseconds(300))
    }

    @Test func terminateStopsAChildThatHonoursSIGTERMWithIt() async throws {
        let running = try ProcessLaunch("/bin/sleep", ["3600"]).start()
        #expect(await running.process.terminate(grace: .seconds(10)) == .signalled(SIGTERM))
        #expect(running.process.termination == .signalled(SIGTERM))
        // Signalling a reaped child does nothing (its process id may belong to another process by now).
        running.process.signal(SIGKILL)
    }

    @Test func timedWaitsReturnNilWhileTheChildRuns() async throws {
        let running = try ProcessLaunch("/bin/sleep", ["3600"]).start()
        #expect(await running.process.exit(within: .milliseconds(100)) == nil)
        #expect(running.process.waitUntilExit(deadline: .now + .milliseconds(100)) == nil)
        running.process.signal(SIGKILL)
        #expect(running.process.waitUntilExit() == .signalled(SIGKILL))
        #expect(await running.process.exit() == .signalled(SIGKILL))
    }

    /// 64 waits at once, more than the cooperative pool has threads (one per core): the task that ends
    /// the children runs only if the waits left the pool free; waits that held its threads would never
    /// let it run, and the time limit would fail the test.
    @Test(.timeLimit(.minutes(1)))
    func concurrentWaitsDoNotBlockTheCooperativePool() async throws {
        let processes = try (0..<64).map { _ in try ProcessLaunch("/bin/sleep", ["120"]).start().process }
        defer { processes.forEach { $0.signal(SIGKILL) } }
        await withTaskGroup(of: ProcessTermination?.self) { group in
            for process in processes { group.addTask { await process.exit() } }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(100))
                processes.forEach { $0.signal(SIGKILL) }
                return nil
            }
            for await termination in group where termination != nil { #expect(termination == .signalled(SIGKILL)) }
        }
        #expect(processes.allSatisfy { $0.termination == .signalled(SIGKILL) })
    }
}

/// `inTemporaryDirectory` for async bodies.
func inTemporaryDirectoryAsync<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = "\(NSTemporaryDirectory())/klein-system-\(FileSystem.randomName())"
    try FileSystem.makeDirectories(path)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

private func realpath(_ path: String) -> String {
    guard let resolved = Glibc.realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
}
