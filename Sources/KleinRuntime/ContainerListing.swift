/// A container as `klein container list` shows it: its record and what it is doing now.
public struct ContainerListing: Sendable {
    /// What Klein recorded when it made the container.
    public let record: ContainerRecord
    /// What it is doing now.
    public let status: Status

    /// A container's status, from its recorded exit, its runtime's state and its supervisor.
    public enum Status: Sendable, Hashable, CustomStringConvertible {
        /// Created; its process has not started.
        case created
        /// Its process runs, with this id on the host; `supervised` is false when its supervisor was
        /// killed (the container is followed through its runtime state).
        case running(pid: Int32, supervised: Bool)
        /// Its process has ended and its supervisor is recording how.
        case stopping
        /// Its process has ended so.
        case ended(ContainerOutcome)

        /// `running`, `exited (0)`, …
        public var description: String {
            switch self {
            case .created: "created"
            case let .running(_, supervised): supervised ? "running" : "running (unsupervised)"
            case .stopping: "stopping"
            case let .ended(outcome): outcome.description
            }
        }

        /// Whether its process may still run.
        public var isAlive: Bool {
            switch self {
            case .created, .running: true
            case .stopping, .ended: false
            }
        }
    }
}
