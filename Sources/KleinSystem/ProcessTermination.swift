/// How a child process ended: its exit status, or the signal that killed it.
package enum ProcessTermination: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Int32)

    /// Decodes a raw `waitpid` status.
    init(waitStatus status: Int32) {
        let signal = status & 0x7f
        self = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }

    package var succeeded: Bool { self == .exited(0) }

    /// The shell's convention: the exit status, or 128 + the signal.
    package var code: Int32 {
        switch self {
        case let .exited(status): status
        case let .signalled(signal): 128 + signal
        }
    }

    package var description: String {
        switch self {
        case let .exited(status): "exit status \(status)"
        case let .signalled(signal): "killed by signal \(signal)"
        }
    }
}
