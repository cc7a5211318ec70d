/// Amounts of the resources a node offers and a replica asks for: CPU in millicores, memory and disk in
/// bytes, and process ids.
public struct Resources: Sendable, Hashable, CustomStringConvertible {
    /// CPU in millicores (1000 is one core).
    public var cpuMillis: Int64
    /// Memory in bytes.
    public var memory: Int64
    /// Disk in bytes.
    public var disk: Int64
    /// Process ids.
    public var pids: Int64

    /// Resources in these amounts.
    public init(cpuMillis: Int64 = 0, memory: Int64 = 0, disk: Int64 = 0, pids: Int64 = 0) {
        self.cpuMillis = cpuMillis
        self.memory = memory
        self.disk = disk
        self.pids = pids
    }

    /// The name of the first resource of which `self` (what is free) has less than `wanted`, or nil.
    func shortfall(for wanted: Resources) -> String? {
        if cpuMillis < wanted.cpuMillis { return "cpu" }
        if memory < wanted.memory { return "memory" }
        if disk < wanted.disk { return "disk" }
        if pids < wanted.pids { return "pids" }
        return nil
    }

    static func + (a: Resources, b: Resources) -> Resources {
        Resources(cpuMillis: a.cpuMillis + b.cpuMillis, memory: a.memory + b.memory, disk: a.disk + b.disk, pids: a.pids + b.pids)
    }

    static func - (a: Resources, b: Resources) -> Resources {
        Resources(cpuMillis: a.cpuMillis - b.cpuMillis, memory: a.memory - b.memory, disk: a.disk - b.disk, pids: a.pids - b.pids)
    }

    /// `cpu=500m memory=268435456 disk=0 pids=0`.
    public var description: String { "cpu=\(cpuMillis)m memory=\(memory) disk=\(disk) pids=\(pids)" }
}
