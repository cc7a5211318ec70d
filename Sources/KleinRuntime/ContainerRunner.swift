import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

/// Runs a bundle with an OCI runtime (`runc` or `crun`) in the foreground: the container's output goes
/// to this process's, signals sent to this process reach the container, and its exit code is returned.
public struct ContainerRunner: Sendable {
    /// The runtime's executable.
    public let runtime: String

    /// `preferred` is `runc`, `crun` or a path; nil picks the first of runc and crun on `PATH`.
    public init(preferred: String?, path: String? = getenv("PATH").map { String(cString: $0) }) throws(RuntimeError) {
        let candidates = preferred.map { [$0] } ?? ["runc", "crun"]
        for candidate in candidates {
            if candidate.contains("/") {
                if access(candidate, X_OK) == 0 { runtime = candidate; return }
                continue
            }
            for directory in (path ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(separator: ":") {
                let full = "\(directory)/\(candidate)"
                if access(full, X_OK) == 0 { runtime = full; return }
            }
        }
        throw .runtime("no OCI runtime found: install runc or crun, or name one with --runtime (looked for \(candidates.joined(separator: ", ")) on PATH)")
    }

    /// `<runtime> run --bundle DIR ID` in its own process group, so a terminal's Ctrl-C reaches the
    /// container once, through this process. Returns the container's exit code (128 + signal when a
    /// signal ended it). The wait suspends the task; no thread blocks in `waitpid`.
    public func run(bundle: String, id: String) async throws(RuntimeError) -> Int32 {
        let signals = SignalForwarder()
        defer { signals.stop() }
        return try await run(bundle: bundle, id: id, signals: signals)
    }

    func run(bundle: String, id: String, signals: SignalForwarder) async throws(RuntimeError) -> Int32 {
        let process = try start(["run", "--bundle", bundle, id])
        signals.forward(to: process)
        return await process.exit().code
    }

    /// `<runtime> delete --force ID`, quietly: the runtime deletes a container that ended by itself.
    public func delete(id: String) async {
        guard let process = try? start(["delete", "--force", id], quiet: true) else { return }
        _ = await process.exit()
    }

    /// Starts the runtime with this process's environment; the forwarded signals start at their defaults.
    private func start(_ arguments: [String], quiet: Bool = false) throws(RuntimeError) -> ChildProcess {
        var launch = ProcessLaunch(runtime, arguments)
        launch.standardInput = .inherit
        if quiet {
            launch.standardOutput = .null
            launch.standardError = .null
        }
        launch.defaultSignals = SignalForwarder.signals + [SIGPIPE]
        do { return try launch.start().process } catch {
            throw .runtime("cannot start \(runtime): \(String(cString: strerror(error.errno)))")
        }
    }
}
