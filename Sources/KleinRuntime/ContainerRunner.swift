import KleinOCI
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
    /// signal ended it).
    public func run(bundle: String, id: String) throws(RuntimeError) -> Int32 {
        let signals = SignalForwarder()
        defer { signals.stop() }
        return try run(bundle: bundle, id: id, signals: signals)
    }

    func run(bundle: String, id: String, signals: SignalForwarder) throws(RuntimeError) -> Int32 {
        let pid = try spawn([runtime, "run", "--bundle", bundle, id])
        signals.forward(to: pid)
        return try wait(pid)
    }

    /// `<runtime> delete --force ID`, quietly: the runtime deletes a container that ended by itself.
    public func delete(id: String) {
        guard let pid = try? spawn([runtime, "delete", "--force", id], quiet: true) else { return }
        _ = try? wait(pid)
    }

    private func spawn(_ arguments: [String], quiet: Bool = false) throws(RuntimeError) -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in SignalForwarder.signals + [SIGPIPE] { sigaddset(&defaults, number) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if quiet {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, runtime, &actions, &attributes, &argv, environ)
        guard code == 0 else { throw .runtime("cannot start \(runtime): \(String(cString: strerror(code)))") }
        return pid
    }

    private func wait(_ pid: pid_t) throws(RuntimeError) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw .runtime("waiting for \(runtime): \(String(cString: strerror(errno)))") }
        }
        let signalled = status & 0x7f
        return signalled == 0 ? (status >> 8) & 0xff : 128 + signalled
    }
}
