#if canImport(Glibc)
import Glibc
#endif

extension Bundler {
    /// Runs the image in the foreground: a bundle in `<stateDirectory>/<id>` over the cached root file
    /// system, `linux.cgroupsPath` under the node's cgroup parent, the runtime in the foreground.
    /// Returns the container's exit code; the bundle, its overlay and the container are removed
    /// afterwards whatever happened. `warn` hears what was skipped or changed, before the start.
    public func run(stateDirectory: String, cache: RootfsCache, runner: ContainerRunner, warn: (String) -> Void) async throws(RuntimeError) -> Int32 {
        // Held from here on, so an interrupt while the bundle is prepared still cleans up (it is
        // stopped last, after the clean-up).
        let signals = SignalForwarder()
        defer { signals.stop() }
        let id = "klein-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let directory = "\(stateDirectory)/\(id)"
        try RootfsCache.makePrivateDirectory(stateDirectory)
        guard mkdir(directory, 0o700) == 0 else { throw .io(path: directory, operation: "create directory", errno: errno) }
        let outcome: Result<Int32, RuntimeError>
        do throws(RuntimeError) {
            outcome = .success(try await run(in: directory, id: id, cache: cache, runner: runner, signals: signals, warn: warn))
        } catch {
            outcome = .failure(error)
        }
        // A runtime that returned by itself has deleted the container; after a signal it may not have.
        if ((try? outcome.get()) ?? 128) >= 128 { await runner.delete(id: id) }
        // Never remove a tree that is still an overlay on the cache.
        if OverlayMount.unmount("\(directory)/rootfs") { RootfsCache.remove(directory) }
        return try outcome.get()
    }

    /// Prepares the bundle in `directory` and runs it, unless a signal came first.
    private func run(
        in directory: String, id: String, cache: RootfsCache, runner: ContainerRunner, signals: SignalForwarder, warn: (String) -> Void
    ) async throws(RuntimeError) -> Int32 {
        let prepared = try prepareRun(in: directory, cache: cache)
        prepared.plan.warnings.forEach(warn)
        var spec = prepared.plan.spec
        spec.linux.cgroupsPath = "\(node.cgroupParent)/\(id)"
        try BundleWriter(directory: directory).writeConfig(spec)
        if let held = signals.pending { return 128 + held }
        return try await runner.run(bundle: directory, id: id, signals: signals)
    }
}
