/// How a process ended: its exit status, or the signal that killed it. A container's end is one too.
public enum ProcessTermination: Sendable, Hashable, CustomStringConvertible {
    /// It exited with this status.
    case exited(Int32)
    /// A signal killed it.
    case signalled(Int32)

    /// Decodes a raw `waitpid` status.
    init(waitStatus status: Int32) {
        let signal = status & 0x7f
        self = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }

    package var succeeded: Bool { self == .exited(0) }

    /// The shell's convention, which `klein run` exits with: the exit status, or 128 + the signal.
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
