extension RuntimeSpec {
    /// config.md, "process".
    public struct Process: Sendable, Hashable {
        /// Whether the process gets a terminal.
        public var terminal = false
        /// Who the process runs as.
        public var user: User
        /// The executable and its arguments.
        public var args: [String]
        /// `NAME=VALUE` entries.
        public var env: [String]
        /// The absolute working directory.
        public var cwd: String
        /// The process's capabilities.
        public var capabilities: Capabilities
        /// Resource limits (`setrlimit`).
        public var rlimits: [RLimit]
        /// Whether the process and its children are barred from gaining privileges (`PR_SET_NO_NEW_PRIVS`).
        public var noNewPrivileges = true

        /// A process with the given fields, without a terminal and with `noNewPrivileges`.
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
        /// The user id.
        public var uid: UInt32
        /// The group id.
        public var gid: UInt32
        /// Supplementary group ids.
        public var additionalGids: [UInt32]

        /// A user with the given ids.
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
        /// The bounding set.
        public var bounding: [String]
        /// The effective set.
        public var effective: [String]
        /// The permitted set.
        public var permitted: [String]
        /// The inheritable set.
        public var inheritable: [String] = []
        /// The ambient set.
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
        /// The limit's name, e.g. `RLIMIT_NOFILE`.
        public var type: String
        /// The soft limit.
        public var soft: UInt64
        /// The hard limit.
        public var hard: UInt64

        /// A limit of `type` with `soft` and `hard` values.
        public init(type: String, soft: UInt64, hard: UInt64) {
            self.type = type
            self.soft = soft
            self.hard = hard
        }

        var jsonValue: JSONValue { .object(["type": .string(type), "soft": .integer(Int64(soft)), "hard": .integer(Int64(hard))]) }
    }
}
