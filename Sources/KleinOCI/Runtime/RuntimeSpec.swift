/// An OCI runtime configuration, `config.json` of a bundle (runtime-spec config.md, Linux parts).
///
/// Klein only writes these; `jsonValue` gives the document, with keys sorted when encoded canonically.
public struct RuntimeSpec: Sendable, Hashable {
    /// The runtime-spec version the document follows (`runc` 1.1 reads 1.0.x).
    public var ociVersion = "1.0.2"
    /// The container's process.
    public var process: Process
    /// The root file system.
    public var root: Root
    /// The container's host name (in its own UTS namespace).
    public var hostname: String?
    /// In the order they are mounted: a parent before anything below it.
    public var mounts: [Mount]
    /// Arbitrary metadata; omitted when empty.
    public var annotations: [String: String]
    /// Linux namespaces, devices, cgroups and masked paths.
    public var linux: Linux

    /// A configuration of these parts, at `ociVersion` 1.0.2.
    public init(process: Process, root: Root, hostname: String?, mounts: [Mount], annotations: [String: String], linux: Linux) {
        self.process = process
        self.root = root
        self.hostname = hostname
        self.mounts = mounts
        self.annotations = annotations
        self.linux = linux
    }

    /// The `config.json` document.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("ociVersion", ociVersion)
        object.set("process", process.jsonValue)
        object.set("root", root.jsonValue)
        object.set("hostname", hostname)
        object.set("mounts", .array(mounts.map(\.jsonValue)))
        if !annotations.isEmpty { object.set("annotations", annotations) }
        object.set("linux", linux.jsonValue)
        return object.value
    }

    /// config.md, "root".
    public struct Root: Sendable, Hashable {
        /// Relative to the bundle directory.
        public var path: String
        /// Whether the root file system is mounted read-only.
        public var readonly: Bool

        /// The root at `path` in the bundle.
        public init(path: String = "rootfs", readonly: Bool) {
            self.path = path
            self.readonly = readonly
        }

        var jsonValue: JSONValue { .object(["path": .string(path), "readonly": .bool(readonly)]) }
    }

    /// config.md, "mounts".
    public struct Mount: Sendable, Hashable {
        /// Absolute path in the container.
        public var destination: String
        /// The file system type (`proc`, `tmpfs`, `bind`, …).
        public var type: String?
        /// For bind mounts, absolute or relative to the bundle directory.
        public var source: String?
        /// Mount options (`nosuid`, `ro`, `rbind`, …).
        public var options: [String]

        /// A mount of `source` (of `type`) at `destination` with `options`.
        public init(destination: String, type: String?, source: String?, options: [String] = []) {
            self.destination = destination
            self.type = type
            self.source = source
            self.options = options
        }

        /// A bind mount (`rbind`, private propagation) of `source` at `destination`.
        public static func bind(_ source: String, at destination: String, readOnly: Bool, noExec: Bool = false) -> Mount {
            var options = ["rbind", "rprivate", "nosuid", "nodev"]
            if noExec { options.append("noexec") }
            options.append(readOnly ? "ro" : "rw")
            return Mount(destination: destination, type: "bind", source: source, options: options)
        }

        var jsonValue: JSONValue {
            var object = JSONObjectBuilder()
            object.set("destination", destination)
            object.set("type", type)
            object.set("source", source)
            if !options.isEmpty { object.set("options", options) }
            return object.value
        }
    }
}
