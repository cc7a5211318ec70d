#if canImport(Glibc)
import Glibc
#endif

extension Bundler {
    /// Runs the image in the foreground: a bundle in `<stateDirectory>/<id>` over the cached root file
    /// system, `linux.cgroupsPath` under the node's cgroup parent, the runtime in the foreground.
    /// Returns the container's exit code; the bundle, its overlay and the container are removed
    /// afterwards whatever happened. `warn` hears what was skipped or changed, before the start.
    public func run(stateDirectory: String, cache: RootfsCache, runner: ContainerRunner, warn: (String) -> Void) throws(RuntimeError) -> Int32 {
        // Held from here on, so an interrupt while the bundle is prepared still cleans up (this defer
        // runs last).
        let signals = SignalForwarder()
        defer { signals.stop() }
        let id = "klein-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let directory = "\(stateDirectory)/\(id)"
        try RootfsCache.makePrivateDirectory(stateDirectory)
        guard mkdir(directory, 0o700) == 0 else { throw .io(path: directory, operation: "create directory", errno: errno) }
        var exitCode: Int32?
        defer {
            // A runtime that returned by itself has deleted the container; after a signal it may not have.
            if (exitCode ?? 128) >= 128 { runner.delete(id: id) }
            // Never remove a tree that is still an overlay on the cache.
            if OverlayMount.unmount("\(directory)/rootfs") { RootfsCache.remove(directory) }
        }
        let prepared = try prepareRun(in: directory, cache: cache)
        prepared.plan.warnings.forEach(warn)
        var spec = prepared.plan.spec
        spec.linux.cgroupsPath = "\(node.cgroupParent)/\(id)"
        try BundleWriter(directory: directory).writeConfig(spec)
        if let held = signals.pending {
            exitCode = 128 + held
            return 128 + held
        }
        let code = try runner.run(bundle: directory, id: id, signals: signals)
        exitCode = code
        return code
    }
}
