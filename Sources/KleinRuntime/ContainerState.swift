/// A container as its runtime reports it (runtime-spec runtime.md, "State").
public struct ContainerState: Sendable, Hashable {
    /// runtime-spec's statuses; a runtime may report others (runc's `paused`), kept as written.
    public struct Status: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The status as the runtime wrote it.
        public let rawValue: String
        /// Made a status of `rawValue`.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Being created.
        public static let creating = Status(rawValue: "creating")
        /// Created, its process not started yet.
        public static let created = Status(rawValue: "created")
        /// Its process runs.
        public static let running = Status(rawValue: "running")
        /// Its process has ended.
        public static let stopped = Status(rawValue: "stopped")
        /// The status as the runtime wrote it.
        public var description: String { rawValue }
        /// Whether the container's process exists (it may run, or be about to, or be frozen).
        public var isAlive: Bool { self != .stopped }
    }

    /// The container's id.
    public let id: String
    /// What the runtime says it is doing.
    public let status: Status
    /// Its process's id on the host; 0 when it has none.
    public let pid: Int32
    /// The bundle it was created from.
    public let bundle: String

    /// A state as a runtime reported it.
    public init(id: String, status: Status, pid: Int32, bundle: String) {
        self.id = id
        self.status = status
        self.pid = pid
        self.bundle = bundle
    }
}
