import KleinOCI
import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

extension NodeRuntime {
    /// The node's containers, `DATA/containers`.
    public var containers: ContainerStore { ContainerStore(directory: "\(dataDirectory)/containers") }

    /// Runs `bundler`'s image in the foreground, this process its supervisor: the container in
    /// `DATA/containers/ID` over the cached root file system, created and started through the
    /// ``ContainerRuntime``, its output this process's own (or a terminal's, with `tty`). SIGINT, SIGHUP,
    /// SIGQUIT, SIGUSR1 and SIGUSR2 are passed on; SIGTERM stops it — the image's StopSignal, SIGKILL
    /// after `stopTimeout`. Returns the container's exit code; the container and its directory are
    /// removed afterwards whatever happened. What a killed `klein run` leaves, ``collect()`` removes.
    public func run(_ bundler: Bundler, options: RunOptions, warn: (String) -> Void) async throws(RuntimeError) -> Int32 {
        // Held from here on, so an interrupt while the bundle is prepared still cleans up.
        let signals = SignalForwarder()
        defer { signals.stop() }
        let runtime = try OCIRuntime(preferred: options.runtime ?? node.runtime)
        await collect()
        let record = try makeContainer(bundler, runtime: runtime, options: options, detached: false, warn: warn)
        let outcome: Result<Int32, RuntimeError>
        do throws(RuntimeError) {
            outcome = .success(try await runForeground(record, runtime: runtime, options: options, signals: signals, warn: warn))
        } catch {
            outcome = .failure(error)
        }
        try? await runtime.delete(id: record.id, force: true)
        try? containers.remove(record.id)
        return try outcome.get()
    }

    /// Creates, starts and waits for the container, unless a signal came first.
    private func runForeground(
        _ record: ContainerRecord, runtime: OCIRuntime, options: RunOptions, signals: SignalForwarder, warn: (String) -> Void
    ) async throws(RuntimeError) -> Int32 {
        let id = record.id
        if let held = signals.pending { return 128 + held }
        let console = options.tty ? try ConsoleSocket() : nil
        try await runtime.create(id: id, bundle: containers.path(of: id), io: console.map { .terminal(consoleSocket: $0.path) } ?? .inherit(interactive: options.interactive))
        let relay = try console.map { (socket) throws(RuntimeError) in TerminalRelay(master: try socket.receiveMaster(), interactive: options.interactive) }
        defer { relay?.restore() }
        try await runtime.start(id: id)
        if let process = runtime.initProcess(of: id) {
            let stopSignal = record.stopSignal, timeout = Duration.milliseconds(record.stopTimeoutMilliseconds)
            signals.forward { number in
                guard number == SIGTERM else { return process.signal(number) }
                process.signal(stopSignal)
                Task {
                    try? await Task.sleep(for: timeout)
                    process.signal(SIGKILL)  // nothing once it has ended: a reaped child is never signalled
                }
            }
        }
        let exit = try await runtime.wait(id: id)
        await relay?.finish(within: .seconds(2))
        return exit?.code ?? 255
    }

    /// The container's directory with its record, bundle and `config.json` (the cgroup under the
    /// node's parent, a terminal when asked for). On failure nothing is left.
    func makeContainer(_ bundler: Bundler, runtime: OCIRuntime, options: RunOptions, detached: Bool, warn: (String) -> Void) throws(RuntimeError) -> ContainerRecord {
        let id = "klein-" + String(UInt64.random(in: 1 << 60...UInt64.max), radix: 16)
        let record = ContainerRecord(
            id: id, image: bundler.image.manifestDigest, created: Int64(time(nil)), detached: detached,
            stopSignal: StopSignal.of(bundler.image, warn: warn), stopTimeoutMilliseconds: options.stopTimeoutMilliseconds,
            runtime: runtime.executable, supervisor: ProcessIdentity.current)
        try containers.create(record)
        let directory = containers.path(of: id)
        do throws(RuntimeError) {
            let prepared = try bundler.prepareRun(in: directory, cache: rootfsCache)
            prepared.plan.warnings.forEach(warn)
            var spec = prepared.plan.spec
            spec.linux.cgroupsPath = "\(node.cgroupParent)/\(id)"
            spec.process.terminal = options.tty
            try BundleWriter(directory: directory).writeConfig(spec)
        } catch {
            try? containers.remove(id)
            throw error
        }
        return record
    }
}
