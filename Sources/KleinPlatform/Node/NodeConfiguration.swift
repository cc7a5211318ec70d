import KleinOCI

/// What a node knows about itself (`node.toml`): where named volumes and secret bundles live, the GPU
/// devices present, the cgroup parent, its platform and OCI runtime. Only the node, never an image or
/// a manifest, says which host paths and devices exist.
public struct NodeConfiguration: Sendable, Hashable {
    /// The platform picked from an index.
    public var platform: Platform
    /// Named volumes live in `<volumes>/<app>/<name>`.
    public var volumesDirectory: String
    /// Secret bundles are the files of `<secrets>/<app>/<name>/`.
    public var secretsDirectory: String
    /// Containers' cgroups are `<cgroupParent>/<container id>`.
    public var cgroupParent: String
    /// `runc`, `crun` or a path; nil picks the first of them on `PATH`.
    public var runtime: String?
    /// The GPUs present, each with its device nodes.
    public var gpus: [GPU]

    /// A node's configuration; what is not given is the default `node.toml` has.
    public init(platform: Platform, volumesDirectory: String, secretsDirectory: String, cgroupParent: String = "/klein",
                runtime: String? = nil, gpus: [GPU] = []) {
        self.platform = platform
        self.volumesDirectory = volumesDirectory
        self.secretsDirectory = secretsDirectory
        self.cgroupParent = cgroupParent
        self.runtime = runtime
        self.gpus = gpus
    }

    /// One GPU: its vendor and the device nodes a container needs to use it (its own node and any
    /// shared control nodes, such as `/dev/nvidiactl`).
    public struct GPU: Sendable, Hashable {
        /// `nvidia`, `amd` or `intel`.
        public let kind: String
        /// Device nodes under /dev.
        public let devices: [String]

        /// A GPU of `kind` reached through `devices`.
        public init(kind: String, devices: [String]) {
            self.kind = kind
            self.devices = devices
        }
    }
}
