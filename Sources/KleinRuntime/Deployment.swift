import KleinOCI

/// Deployment-time settings: what the platform manifest (or the command line) adds to an image when
/// it runs. They are "externally provided inputs" of image-spec conversion.md, applied on top of the
/// image's config; none of them comes from the image.
public struct Deployment: Sendable, Hashable {
    /// Names the container's host name and the node directories of its volumes and secrets.
    public var app: String?
    /// The release being run, for an annotation.
    public var release: Digest?
    public var entrypoint: [String]?
    public var cmd: [String]?
    public var workdir: String?
    public var user: String?
    /// Applied in order to the image's `Env`.
    public var environment: [EnvironmentChange] = []
    public var ports: [Port] = []
    public var memoryLimit: Int64?
    public var millicores: Int64?
    public var pidsLimit: Int64?
    /// A writable root file system; read-only otherwise (as `runc spec` makes it).
    public var writableRoot = false
    public var volumes: [Volume] = []
    public var secrets: [Secret] = []
    public var gpus: GPURequest?

    public init() {}

    public enum EnvironmentChange: Sendable, Hashable {
        /// Replaces the variable where the image sets it; appended otherwise.
        case set(name: String, value: String)
        case unset(name: String)
    }

    public struct Port: Sendable, Hashable {
        public let port: Int
        /// `tcp` or `udp`.
        public let transport: String

        public init(port: Int, transport: String) {
            self.port = port
            self.transport = transport
        }
    }

    /// A named volume: a directory on the node, `<volumes>/<app>/<name>`.
    public struct Volume: Sendable, Hashable {
        public let name: String
        public let path: String
        public let readOnly: Bool

        public init(name: String, path: String, readOnly: Bool) {
            self.name = name
            self.path = path
            self.readOnly = readOnly
        }
    }

    /// A secret bundle: the files of `<secrets>/<app>/<name>` on the node, copied into the bundle with
    /// this mode and owner and mounted read-only at `path`.
    public struct Secret: Sendable, Hashable {
        public let name: String
        public let path: String
        public let mode: UInt32
        public let uid: UInt32
        public let gid: UInt32

        public init(name: String, path: String, mode: UInt32, uid: UInt32, gid: UInt32) {
            self.name = name
            self.path = path
            self.mode = mode
            self.uid = uid
            self.gid = gid
        }
    }

    public struct GPURequest: Sendable, Hashable {
        public let count: Int
        public let kind: String

        public init(count: Int, kind: String) {
            self.count = count
            self.kind = kind
        }
    }
}
