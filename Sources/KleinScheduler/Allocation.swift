/// One replica of an app placed on a node, with what it holds there: resources, and specific GPU
/// devices, which are never shared.
public struct Allocation: Sendable, Hashable {
    /// The app the replica belongs to.
    public var app: String
    /// The node it runs on.
    public var node: String
    /// What it holds.
    public var resources: Resources
    /// The GPU kind and the device ids it holds; empty when it uses none.
    public var gpuKind: String
    /// The device ids, of `gpuKind`, it holds.
    public var gpuDevices: [String]

    /// An allocation of `resources` and `gpuDevices` (of `gpuKind`) for `app` on `node`.
    public init(app: String, node: String, resources: Resources, gpuKind: String = "", gpuDevices: [String] = []) {
        self.app = app
        self.node = node
        self.resources = resources
        self.gpuKind = gpuKind
        self.gpuDevices = gpuDevices
    }
}
