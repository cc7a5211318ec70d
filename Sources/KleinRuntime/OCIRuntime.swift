import KleinOCI
import KleinSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// runc or crun behind ``ContainerRuntime``, through their command lines (runc's `create`, `start`,
/// `state`, `kill`, `delete`, `list`; crun takes the same).
///
/// `create` makes this process a child subreaper, so the container's init becomes its child once the
/// runtime's `create` has exited: ``wait(id:)`` then reads its exit status as its parent. A container
/// created by another process (re-adopted after its supervisor went away) is followed with `state`.
public final class OCIRuntime: ContainerRuntime {
    /// The runtime's executable.
    public let executable: String
    /// The init processes of containers created here, by container id.
    private let inits = Mutex<[String: ChildProcess]>([:])

    /// Signals a runtime starts with at their default action, whatever this process does with them.
    static let defaultSignals = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE]

    /// `preferred` is `runc`, `crun` or a path; nil picks the first of runc and crun on `PATH`.
    public init(preferred: String?, path: String? = getenv("PATH").map { String(cString: $0) }) throws(RuntimeError) {
        let candidates = preferred.map { [$0] } ?? ["runc", "crun"]
        for candidate in candidates {
            if candidate.contains("/") {
                if access(candidate, X_OK) == 0 { executable = candidate; return }
                continue
            }
            for directory in (path ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(separator: ":") {
                let full = "\(directory)/\(candidate)"
                if access(full, X_OK) == 0 { executable = full; return }
            }
        }
        throw .runtime("no OCI runtime found: install runc or crun, or name one with --runtime (looked for \(candidates.joined(separator: ", ")) on PATH)")
    }

    /// `create --bundle BUNDLE --pid-file BUNDLE/init.pid ID`, with the runtime's own log in
    /// `BUNDLE/runtime.log` so that its failure is reported in its words.
    public func create(id: String, bundle: String, io: ContainerIO) async throws(RuntimeError) {
        do { try ChildProcess.becomeSubreaper() } catch { throw .runtime("cannot supervise containers: \(error)") }
        let pidFile = "\(bundle)/init.pid", log = "\(bundle)/runtime.log"
        var arguments = ["--log", log, "--log-format", "json", "create", "--bundle", bundle, "--pid-file", pidFile]
        var launch = ProcessLaunch(executable)
        launch.defaultSignals = Self.defaultSignals
        switch io {
        case let .inherit(interactive):
            launch.standardInput = interactive ? .inherit : .null
        case let .log(path):
            do {
                let file = try POSIXFile.open(path, flags: O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, mode: 0o600)
                launch.standardOutput = .file(file)
                launch.standardError = .file(file)
            } catch {
                throw .system(error)
            }
        case let .terminal(socket):
            arguments += ["--console-socket", socket]
        }
        launch.arguments = arguments + [id]
        let process: ChildProcess
        do { process = try launch.start().process } catch { throw cannotStart(error) }
        let termination = await process.exit()
        guard termination.succeeded else {
            throw .runtime("\(Self.name(of: executable)) create \(id) failed (\(termination)): \(Self.lastError(inLog: log) ?? "no message")")
        }
        guard let text = try? String(decoding: SmallFile.read(pidFile, limit: 64), as: UTF8.self),
              let pid = pid_t(String(text.filter { !$0.isWhitespace })), pid > 0 else {
            throw .runtime("\(Self.name(of: executable)) create \(id) wrote no process id to \(pidFile)")
        }
        inits.withLock { $0[id] = ChildProcess.adopted(pid: pid) }
    }

    /// `start ID`.
    public func start(id: String) async throws(RuntimeError) {
        try await require(["start", id], "start \(id)")
    }

    /// `state ID`, decoded; nil when the runtime has no such container.
    public func state(id: String) async throws(RuntimeError) -> ContainerState? {
        let result = try await invoke(["state", id])
        guard result.termination.succeeded else {
            if result.message.contains("does not exist") || result.message.contains("not found") { return nil }
            throw .runtime("\(Self.name(of: executable)) state \(id) failed: \(result.message)")
        }
        guard let state = try? Self.state(from: JSONParser.parse(result.output)) else {
            throw .runtime("\(Self.name(of: executable)) state \(id) printed no container state")
        }
        return state
    }

    /// `kill ID SIGNAL`.
    public func kill(id: String, signal: Int32) async throws(RuntimeError) {
        try await require(["kill", id, String(signal)], "kill \(id) \(signal)")
    }

    /// `delete [--force] ID`; a container the runtime does not have is already deleted.
    public func delete(id: String, force: Bool) async throws(RuntimeError) {
        let result = try await invoke(["delete"] + (force ? ["--force"] : []) + [id])
        if result.termination.succeeded || result.message.contains("does not exist") || result.message.contains("not found") {
            inits.withLock { _ = $0.removeValue(forKey: id) }
            return
        }
        throw .runtime("\(Self.name(of: executable)) delete \(id) failed: \(result.message)")
    }

    /// The init's exit status when this process created the container. Otherwise the container's
    /// process (its `state` pid, checked by start time so a reused id is not mistaken for it) is
    /// followed in `/proc` every 200 ms until it is gone, and nil returned: its status is its parent's.
    public func wait(id: String) async throws(RuntimeError) -> ProcessTermination? {
        if let process = inits.withLock({ $0[id] }) {
            return await process.exit()
        }
        guard let state = try await state(id: id), state.status.isAlive, state.pid > 0, let process = ProcessIdentity.of(state.pid) else { return nil }
        while process.isAlive {
            try? await Task.sleep(for: .milliseconds(200))
        }
        return nil
    }

    /// `list --format json`, decoded.
    public func list() async throws(RuntimeError) -> [ContainerState] {
        let result = try await invoke(["list", "--format", "json"])
        guard result.termination.succeeded else { throw .runtime("\(Self.name(of: executable)) list failed: \(result.message)") }
        guard let value = try? JSONParser.parse(result.output) else { throw .runtime("\(Self.name(of: executable)) list printed no JSON") }
        if value == .null { return [] }
        return (value.arrayValue ?? []).compactMap(Self.state(from:))
    }

    /// The init process of a container created here, for signalling it directly.
    func initProcess(of id: String) -> ChildProcess? { inits.withLock { $0[id] } }

    /// Runs the runtime and turns a failure into a runtime error naming `what`.
    private func require(_ arguments: [String], _ what: String) async throws(RuntimeError) {
        let result = try await invoke(arguments)
        guard result.termination.succeeded else { throw .runtime("\(Self.name(of: executable)) \(what) failed: \(result.message)") }
    }

    /// A state object (runtime-spec runtime.md, "State"; runc's `list` prints the same fields).
    static func state(from value: JSONValue) -> ContainerState? {
        guard let object = value.objectValue, let id = object["id"]?.stringValue, let status = object["status"]?.stringValue else { return nil }
        return ContainerState(id: id, status: .init(rawValue: status), pid: Int32(object["pid"]?.int64Value ?? 0),
                              bundle: object["bundle"]?.stringValue ?? object["bundlePath"]?.stringValue ?? "")
    }

    /// The last error message in a runtime's JSON log (`{"level":"error","msg":…}` per line).
    static func lastError(inLog path: String) -> String? {
        guard let bytes = try? SmallFile.read(path, limit: 1 << 20) else { return nil }
        var message: String?
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard let object = (try? JSONParser.parse(line))?.objectValue, object["level"]?.stringValue == "error" else { continue }
            message = object["msg"]?.stringValue
        }
        return message
    }

    /// `runc` for `/usr/sbin/runc`.
    static func name(of executable: String) -> String { String(executable.split(separator: "/").last ?? Substring(executable)) }
}
