import KleinOCI

/// Deployment-time settings: what the platform manifest (or the command line) adds to an image when
/// it runs. They are "externally provided inputs" of image-spec conversion.md, applied on top of the
/// image's config; none of them comes from the image.
public struct Deployment: Sendable, Hashable {
    /// Names the container's host name and the node directories of its volumes and secrets.
    public var app: String?
    /// The release being run, for an annotation.
    public var release: Digest?
    /// Replaces the image's `Entrypoint`.
    public var entrypoint: [String]?
    /// Replaces the image's `Cmd`.
    public var cmd: [String]?
    /// Replaces the image's `WorkingDir`.
    public var workdir: String?
    /// Replaces the image's `User` (any of its six forms).
    public var user: String?
    /// Applied in order to the image's `Env`.
    public var environment: [EnvironmentChange] = []
    /// Ports the process listens on, added to the image's `ExposedPorts`.
    public var ports: [Port] = []
    /// The memory limit in bytes.
    public var memoryLimit: Int64?
    /// The CPU quota in thousandths of a core.
    public var millicores: Int64?
    /// The most processes the container may have.
    public var pidsLimit: Int64?
    /// A writable root file system; read-only otherwise (as `runc spec` makes it).
    public var writableRoot = false
    /// Named volumes: node directories mounted into the container.
    public var volumes: [Volume] = []
    /// Secret bundles copied into the bundle and mounted read-only.
    public var secrets: [Secret] = []
    /// GPUs the container needs.
    public var gpus: GPURequest?

    /// No settings: the image runs as it is (read-only root).
    public init() {}

    /// One change to the image's `Env`.
    public enum EnvironmentChange: Sendable, Hashable {
        /// Replaces the variable where the image sets it; appended otherwise.
        case set(name: String, value: String)
        case unset(name: String)
    }

    /// A port the process listens on.
    public struct Port: Sendable, Hashable {
        /// The port number.
        public let port: Int
        /// `tcp` or `udp`.
        public let transport: String

        /// Port `port` over `transport`.
        public init(port: Int, transport: String) {
            self.port = port
            self.transport = transport
        }
    }

    /// A named volume: a directory on the node, `<volumes>/<app>/<name>`.
    public struct Volume: Sendable, Hashable {
        /// The name in the manifest.
        public let name: String
        /// Where it is mounted in the container.
        public let path: String
        /// Mounted read-only.
        public let readOnly: Bool

        /// The volume `name` mounted at `path`.
        public init(name: String, path: String, readOnly: Bool) {
            self.name = name
            self.path = path
            self.readOnly = readOnly
        }
    }

    /// A secret bundle: the files of `<secrets>/<app>/<name>` on the node, copied into the bundle with
    /// this mode and owner and mounted read-only at `path`.
    public struct Secret: Sendable, Hashable {
        /// The name in the manifest.
        public let name: String
        /// Where it is mounted in the container.
        public let path: String
        /// The copied files' mode.
        public let mode: UInt32
        /// The copied files' owner.
        public let uid: UInt32
        /// The copied files' group.
        public let gid: UInt32

        /// The secret bundle `name` mounted at `path`, its files with this mode and owner.
        public init(name: String, path: String, mode: UInt32, uid: UInt32, gid: UInt32) {
            self.name = name
            self.path = path
            self.mode = mode
            self.uid = uid
            self.gid = gid
        }
    }

    /// A request for GPUs of one kind.
    public struct GPURequest: Sendable, Hashable {
        /// How many.
        public let count: Int
        /// `nvidia`, `amd` or `intel`.
        public let kind: String

        /// `count` GPUs of `kind`.
        public init(count: Int, kind: String) {
            self.count = count
            self.kind = kind
        }
    }
}
