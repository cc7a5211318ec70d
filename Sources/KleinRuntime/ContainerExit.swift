/// How a container's process ended: its exit status, or the signal that killed it.
public enum ContainerExit: Sendable, Hashable, CustomStringConvertible {
    /// It exited with this status.
    case exited(Int32)
    /// A signal killed it.
    case signalled(Int32)

    /// The shell's convention, which `klein run` exits with: the status, or 128 + the signal.
    public var code: Int32 {
        switch self {
        case let .exited(status): status
        case let .signalled(signal): 128 + signal
        }
    }

    /// `exit status N` or `killed by signal N`.
    public var description: String {
        switch self {
        case let .exited(status): "exit status \(status)"
        case let .signalled(signal): "killed by signal \(signal)"
        }
    }
}
