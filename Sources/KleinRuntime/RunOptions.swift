/// How ``NodeRuntime`` runs a container.
public struct RunOptions: Sendable {
    /// `runc`, `crun` or a path; nil takes node.toml's, else the first of runc and crun on `PATH`.
    public var runtime: String?
    /// Standard input reaches the container (`-i`); otherwise it reads `/dev/null`.
    public var interactive = false
    /// The process gets a pseudo-terminal (`-t`), joined to this process's streams.
    public var tty = false
    /// How long a stop waits after the image's StopSignal before SIGKILL.
    public var stopTimeout: Duration = .seconds(10)

    /// The defaults: no terminal, no input, a 10 s stop timeout.
    public init() {}

    var stopTimeoutMilliseconds: Int64 {
        let (seconds, attoseconds) = stopTimeout.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
