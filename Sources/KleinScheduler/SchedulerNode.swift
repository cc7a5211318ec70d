import KleinOCI

/// What the scheduler knows of one node: whether it takes work, what it runs on, what it has, where it
/// is, and which image content it already holds.
public struct SchedulerNode: Sendable, Hashable {
    /// The node's unique id; ties between equal scores go to the smaller id.
    public var id: String
    /// False while the node is down (it missed its heartbeat).
    public var ready: Bool
    /// True while an operator drains it: it keeps what runs there and takes nothing new.
    public var draining: Bool
    /// The platform it runs images for.
    public var platform: Platform
    /// What it offers in all, before any allocation.
    public var capacity: Resources
    /// Its GPUs by kind (`nvidia`, `amd`, `intel`): the device ids of each.
    public var gpus: [String: [String]]
    /// Its topology zone; nodes without one form one zone of their own.
    public var zone: String
    /// The blobs it holds, by digest, with their sizes: image locality is scored from them.
    public var blobs: [Digest: Int64]

    /// A node with these properties.
    public init(id: String, ready: Bool = true, draining: Bool = false, platform: Platform, capacity: Resources,
                gpus: [String: [String]] = [:], zone: String = "", blobs: [Digest: Int64] = [:]) {
        self.id = id
        self.ready = ready
        self.draining = draining
        self.platform = platform
        self.capacity = capacity
        self.gpus = gpus
        self.zone = zone
        self.blobs = blobs
    }
}
