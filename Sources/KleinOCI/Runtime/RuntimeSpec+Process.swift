extension RuntimeSpec {
    /// config.md, "process".
    public struct Process: Sendable, Hashable {
        public var terminal = false
        public var user: User
        public var args: [String]
        /// `NAME=VALUE` entries.
        public var env: [String]
        public var cwd: String
        public var capabilities: Capabilities
        public var rlimits: [RLimit]
        public var noNewPrivileges = true

        public init(user: User, args: [String], env: [String], cwd: String, capabilities: Capabilities, rlimits: [RLimit]) {
            self.user = user
            self.args = args
            self.env = env
            self.cwd = cwd
            self.capabilities = capabilities
            self.rlimits = rlimits
        }

        var jsonValue: JSONValue {
            var object = JSONObjectBuilder()
            object.set("terminal", terminal)
            object.set("user", user.jsonValue)
            object.set("args", args)
            object.set("env", env)
            object.set("cwd", cwd)
            object.set("capabilities", capabilities.jsonValue)
            object.set("rlimits", .array(rlimits.map(\.jsonValue)))
            object.set("noNewPrivileges", noNewPrivileges)
            return object.value
        }
    }

    /// config.md, "user" (POSIX platforms).
    public struct User: Sendable, Hashable {
        public var uid: UInt32
        public var gid: UInt32
        public var additionalGids: [UInt32]

        public init(uid: UInt32, gid: UInt32, additionalGids: [UInt32]) {
            self.uid = uid
            self.gid = gid
            self.additionalGids = additionalGids
        }

        var jsonValue: JSONValue {
            var object: [String: JSONValue] = ["uid": .integer(Int64(uid)), "gid": .integer(Int64(gid))]
            if !additionalGids.isEmpty { object["additionalGids"] = .array(additionalGids.map { .integer(Int64($0)) }) }
            return .object(object)
        }
    }

    /// config.md, "capabilities": the five sets, by `CAP_` name.
    public struct Capabilities: Sendable, Hashable {
        public var bounding: [String]
        public var effective: [String]
        public var permitted: [String]
        public var inheritable: [String] = []
        public var ambient: [String] = []

        /// The same set bounding, effective and permitted; none inheritable or ambient.
        public init(_ names: [String]) {
            bounding = names
            effective = names
            permitted = names
        }

        var jsonValue: JSONValue {
            .object(["bounding": .array(bounding.map(JSONValue.string)), "effective": .array(effective.map(JSONValue.string)),
                     "permitted": .array(permitted.map(JSONValue.string)), "inheritable": .array(inheritable.map(JSONValue.string)),
                     "ambient": .array(ambient.map(JSONValue.string))])
        }
    }

    /// config.md, "rlimits".
    public struct RLimit: Sendable, Hashable {
        public var type: String
        public var soft: UInt64
        public var hard: UInt64

        public init(type: String, soft: UInt64, hard: UInt64) {
            self.type = type
            self.soft = soft
            self.hard = hard
        }

        var jsonValue: JSONValue { .object(["type": .string(type), "soft": .integer(Int64(soft)), "hard": .integer(Int64(hard))]) }
    }
}
