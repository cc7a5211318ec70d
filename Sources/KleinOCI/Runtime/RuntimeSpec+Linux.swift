extension RuntimeSpec {
    /// config-linux.md: namespaces, devices, cgroup resources and path masking.
    public struct Linux: Sendable, Hashable {
        /// Namespace types (`pid`, `network`, …), each a new namespace.
        public var namespaces: [String]
        /// Device nodes to create in `/dev`.
        public var devices: [Device]
        /// Cgroup limits.
        public var resources: Resources
        /// Set by `klein run` (`<cgroup parent>/<container id>`); runc picks one when nil.
        public var cgroupsPath: String?
        /// Paths hidden from the container.
        public var maskedPaths: [String]
        /// Paths the container sees read-only.
        public var readonlyPaths: [String]

        /// Linux settings with the given parts.
        public init(namespaces: [String], devices: [Device], resources: Resources, cgroupsPath: String?, maskedPaths: [String], readonlyPaths: [String]) {
            self.namespaces = namespaces
            self.devices = devices
            self.resources = resources
            self.cgroupsPath = cgroupsPath
            self.maskedPaths = maskedPaths
            self.readonlyPaths = readonlyPaths
        }

        var jsonValue: JSONValue {
            var object = JSONObjectBuilder()
            object.set("namespaces", .array(namespaces.map { .object(["type": .string($0)]) }))
            if !devices.isEmpty { object.set("devices", .array(devices.map(\.jsonValue))) }
            object.set("resources", resources.jsonValue)
            object.set("cgroupsPath", cgroupsPath)
            object.set("maskedPaths", maskedPaths)
            object.set("readonlyPaths", readonlyPaths)
            return object.value
        }
    }

    /// config-linux.md, "devices": a node the runtime creates in the container's `/dev`.
    public struct Device: Sendable, Hashable {
        /// Where the node is created in the container.
        public var path: String
        /// `c` or `b`.
        public var type: String
        /// The device's major number.
        public var major: Int64
        /// The device's minor number.
        public var minor: Int64
        /// The node's permission bits.
        public var fileMode: UInt32
        /// The node's owner.
        public var uid: UInt32
        /// The node's group.
        public var gid: UInt32

        /// A device node with the given fields.
        public init(path: String, type: String, major: Int64, minor: Int64, fileMode: UInt32, uid: UInt32, gid: UInt32) {
            self.path = path
            self.type = type
            self.major = major
            self.minor = minor
            self.fileMode = fileMode
            self.uid = uid
            self.gid = gid
        }

        var jsonValue: JSONValue {
            .object(["path": .string(path), "type": .string(type), "major": .integer(major), "minor": .integer(minor),
                     "fileMode": .integer(Int64(fileMode)), "uid": .integer(Int64(uid)), "gid": .integer(Int64(gid))])
        }
    }

    /// config-linux.md, "Control groups": the limits Klein sets.
    public struct Resources: Sendable, Hashable {
        /// Device cgroup rules, in order; the first denies everything.
        public var devices: [DeviceRule]
        /// `memory.limit` in bytes.
        public var memoryLimit: Int64?
        /// `cpu.shares`: relative CPU weight.
        public var cpuShares: UInt64?
        /// `cpu.quota`: microseconds of CPU time per `cpuPeriod`.
        public var cpuQuota: Int64?
        /// `cpu.period` in microseconds.
        public var cpuPeriod: UInt64?
        /// `pids.limit`: the most processes at once.
        public var pidsLimit: Int64?

        /// Limits with the given fields; nil ones are not set.
        public init(devices: [DeviceRule], memoryLimit: Int64? = nil, cpuShares: UInt64? = nil, cpuQuota: Int64? = nil,
                    cpuPeriod: UInt64? = nil, pidsLimit: Int64? = nil) {
            self.devices = devices
            self.memoryLimit = memoryLimit
            self.cpuShares = cpuShares
            self.cpuQuota = cpuQuota
            self.cpuPeriod = cpuPeriod
            self.pidsLimit = pidsLimit
        }

        var jsonValue: JSONValue {
            var object = JSONObjectBuilder()
            object.set("devices", .array(devices.map(\.jsonValue)))
            if let memoryLimit { object.set("memory", .object(["limit": .integer(memoryLimit)])) }
            var cpu: [String: JSONValue] = [:]
            if let cpuShares { cpu["shares"] = .integer(Int64(cpuShares)) }
            if let cpuQuota { cpu["quota"] = .integer(cpuQuota) }
            if let cpuPeriod { cpu["period"] = .integer(Int64(cpuPeriod)) }
            if !cpu.isEmpty { object.set("cpu", .object(cpu)) }
            if let pidsLimit { object.set("pids", .object(["limit": .integer(pidsLimit)])) }
            return object.value
        }
    }

    /// config-linux.md, "Device allowlist".
    public struct DeviceRule: Sendable, Hashable {
        /// Whether the rule allows (or denies) access.
        public var allow: Bool
        /// `a`, `c` or `b`; nil for all.
        public var type: String?
        /// The major number; nil for all.
        public var major: Int64?
        /// The minor number; nil for all.
        public var minor: Int64?
        /// `r`, `w` and `m` (mknod), combined.
        public var access: String

        /// A rule with the given fields; the defaults match every device for every access.
        public init(allow: Bool, type: String? = nil, major: Int64? = nil, minor: Int64? = nil, access: String = "rwm") {
            self.allow = allow
            self.type = type
            self.major = major
            self.minor = minor
            self.access = access
        }

        var jsonValue: JSONValue {
            var object = JSONObjectBuilder()
            object.set("allow", allow)
            object.set("type", type)
            object.set("major", major)
            object.set("minor", minor)
            object.set("access", access)
            return object.value
        }
    }
}
