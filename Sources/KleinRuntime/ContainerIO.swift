/// Where a container's standard streams go when it is created.
public enum ContainerIO: Sendable, Hashable {
    /// This process's own output and error (the runtime's pass-through mode); standard input too
    /// when `interactive`, `/dev/null` otherwise.
    case inherit(interactive: Bool)
    /// Output and error appended to the file at `path`; standard input `/dev/null`.
    case log(path: String)
    /// A new pseudo-terminal (the bundle's `process.terminal` is true), whose master end the runtime
    /// sends over the unix socket at `consoleSocket` (runc's `--console-socket`).
    case terminal(consoleSocket: String)
}
