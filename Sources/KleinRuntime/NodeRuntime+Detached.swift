import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

extension NodeRuntime {
    /// Runs `bundler`'s image detached: the container is prepared here, then a supervisor process of
    /// its own (``supervisorCommand``, which calls ``supervise(id:)``) creates and starts it with its
    /// output appended to `DATA/containers/ID/log`, waits for it and records how it ended. Returns the
    /// container's id once it runs; the supervisor outlives this process.
    public func runDetached(_ bundler: Bundler, options: RunOptions, warn: (String) -> Void) async throws(RuntimeError) -> String {
        guard !options.interactive && !options.tty else { throw .container("-i and -t need a foreground run: a detached container has no terminal") }
        let runtime = try OCIRuntime(preferred: options.runtime ?? node.runtime)
        await collect()
        let record = try makeContainer(bundler, runtime: runtime, options: options, detached: true, warn: warn)
        let id = record.id
        do throws(RuntimeError) {
            let supervisor = try startSupervisor(of: id, adopt: false)
            let report = String(decoding: await OCIRuntime.readAll(supervisor.standardOutput), as: UTF8.self)
            if report == Self.startedReport { return id }
            _ = await supervisor.process.exit()
            let message = report.trimmedLines.joined(separator: "; ")
            throw RuntimeError.runtime(message.isEmpty ? "the supervisor of \(id) ended before starting it (see \(containers.path(of: id))/supervisor.log)" : message)
        } catch {
            try? await runtime.delete(id: id, force: true)
            try? containers.remove(id)
            throw error
        }
    }

    /// What a supervisor writes on its standard output once the container runs.
    static let startedReport = "started\n"

    /// The supervisor of a detached container, in a process of its own (`klein run -d` starts it
    /// through ``supervisorCommand``): a child subreaper ignoring SIGHUP and SIGINT, it creates and
    /// starts the container, reports on standard output (`started`, or the runtime's failure), waits for
    /// the container's init as its parent, then deletes the runtime's container, unmounts its root file
    /// system and records how it ended in `exit.json`, atomically. With `adopt`, the container already
    /// runs and its supervisor was killed: it is followed until it ends, its exit status unknowable.
    /// Returns this process's exit code: 0, or 125 when the container could not be started.
    public func supervise(id: String, adopt: Bool = false) async -> Int32 {
        for number in [SIGHUP, SIGINT, SIGPIPE] { signal(number, SIG_IGN) }
        do throws(RuntimeError) {
            var record = try containers.record(id)
            record.supervisor = ProcessIdentity.current
            try containers.update(record)
            let runtime = try OCIRuntime(preferred: record.runtime)
            if adopt {
                report("")
                _ = try? await runtime.wait(id: id)
                await finish(id, runtime: runtime, outcome: .unknown("its first supervisor was killed while it ran; it was re-adopted by its runtime state"))
                return 0
            }
            do {
                try await runtime.create(id: id, bundle: containers.path(of: id), io: .log(path: containers.logPath(of: id)))
                try await runtime.start(id: id)
            } catch {
                try? await runtime.delete(id: id, force: true)
                throw error
            }
            report(Self.startedReport)
            let exit = try? await runtime.wait(id: id)
            await finish(id, runtime: runtime, outcome: exit.map { .ended($0) } ?? .unknown("its runtime lost it"))
            return 0
        } catch {
            if case let .runtime(message) = error { report(message + "\n") } else { report("\(error)\n") }
            return 125
        }
    }

    /// After the container's process ended: its runtime state deleted, its root file system unmounted
    /// (the upper directory stays until `remove`), how it ended recorded last, so a recorded exit means
    /// all of this is done.
    func finish(_ id: String, runtime: some ContainerRuntime, outcome: ContainerOutcome) async {
        try? await runtime.delete(id: id, force: true)
        _ = OverlayMount.unmount("\(containers.path(of: id))/rootfs")
        try? containers.recordExit(outcome, of: id)
    }

    /// Writes `message` on standard output, then points standard output at /dev/null, so the process
    /// that waits for the report sees its end.
    private func report(_ message: String) {
        let bytes = Array(message.utf8)
        bytes.withUnsafeBytes { raw in _ = try? POSIXFile.writeAll(raw, to: STDOUT_FILENO, path: "standard output") }
        let null = open("/dev/null", O_WRONLY)
        if null >= 0 {
            dup2(null, STDOUT_FILENO)
            close(null)
        }
    }

    /// Starts a supervisor for container `id`, in its own process group, its own messages in the
    /// container's `supervisor.log`, its report on a pipe.
    func startSupervisor(of id: String, adopt: Bool) throws(RuntimeError) -> RunningProcess {
        guard let command = supervisorCommand?(id, adopt), let executable = command.first else {
            throw .runtime("no supervisor command is configured for detached containers")
        }
        // It outlives this process: it must not hold what this process inherited open.
        FileSystem.closeInheritedDescriptorsOnExec()
        var launch = ProcessLaunch(executable, Array(command.dropFirst()))
        launch.standardOutput = .pipe
        launch.defaultSignals = OCIRuntime.defaultSignals
        do {
            launch.standardError = .file(try POSIXFile.open("\(containers.path(of: id))/supervisor.log", flags: O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, mode: 0o600))
            return try launch.start()
        } catch {
            throw .runtime("cannot start the supervisor of \(id) (\(executable)): \(error)")
        }
    }
}
