import KleinConfig

/// Typed views of the effective manifest, for releases and the runtime. They read a validated
/// tree, in which every required and defaulted key is present in canonical form.
extension PlatformManifest {
    public struct Process: Sendable, Hashable {
        public let entrypoint: [String]?
        public let cmd: [String]?
        public let workdir: String?
        public let user: String?
        public let env: [String: String]
    }

    public struct Port: Sendable, Hashable {
        public let name: String
        public let port: Int
        /// `tcp`, `udp`, `http`, `https` or `grpc`.
        public let `protocol`: String
        public let isPublic: Bool
        /// `udp` or `tcp`, as image configs' `ExposedPorts` name it.
        public var transport: String { `protocol` == "udp" ? "udp" : "tcp" }
    }

    public struct Resources: Sendable, Hashable {
        public let millicores: Int64
        public let memoryBytes: Int64
        public let diskBytes: Int64
        public let pids: Int64
        public let gpus: GPUs?
    }

    public struct GPUs: Sendable, Hashable {
        public let count: Int64
        /// `nvidia`, `amd` or `intel`.
        public let kind: String
    }

    public struct Volume: Sendable, Hashable {
        public let name: String
        public let path: String
        public let sizeBytes: Int64
        public let readOnly: Bool
    }

    public struct Secret: Sendable, Hashable {
        public let name: String
        public let path: String
        public let mode: UInt32
        public let uid: Int64
        public let gid: Int64
    }

    public var app: String { Self.string(effective["app"]) ?? "" }

    public var process: Process {
        let members = Self.table(effective["process"])
        return Process(entrypoint: Self.strings(members["entrypoint"]), cmd: Self.strings(members["cmd"]), workdir: Self.string(members["workdir"]),
                       user: Self.string(members["user"]), env: Self.table(members["env"]).compactMapValues(Self.string))
    }

    public var ports: [Port] {
        Self.tables(effective["ports"]).map { port in
            Port(name: Self.string(port["name"]) ?? "", port: Int(Self.integer(port["port"]) ?? 0), protocol: Self.string(port["protocol"]) ?? "tcp",
                 isPublic: Self.string(port["exposure"]) == "public")
        }
    }

    public var resources: Resources {
        let members = Self.table(effective["resources"])
        let gpus = Self.table(members["gpus"])
        return Resources(
            millicores: Self.string(members["cpu"]).flatMap { try? ManifestUnits.millicores($0).get() } ?? 0,
            memoryBytes: Self.string(members["memory"]).flatMap { try? SizeGrammar.bytes($0).get() } ?? 0,
            diskBytes: Self.string(members["disk"]).flatMap { try? SizeGrammar.bytes($0).get() } ?? 0,
            pids: Self.integer(members["pids"]) ?? 0,
            gpus: gpus.isEmpty ? nil : GPUs(count: Self.integer(gpus["count"]) ?? 0, kind: Self.string(gpus["kind"]) ?? ""))
    }

    public var volumes: [Volume] {
        Self.tables(effective["volumes"]).map { volume in
            Volume(name: Self.string(volume["name"]) ?? "", path: Self.string(volume["path"]) ?? "",
                   sizeBytes: Self.string(volume["size"]).flatMap { try? SizeGrammar.bytes($0).get() } ?? 0,
                   readOnly: volume["read_only"] == .bool(true))
        }
    }

    public var secrets: [Secret] {
        Self.tables(effective["secrets"]).map { secret in
            let owner = (Self.string(secret["owner"]) ?? "0:0").split(separator: ":").map { Int64($0) ?? 0 }
            return Secret(name: Self.string(secret["name"]) ?? "", path: Self.string(secret["path"]) ?? "",
                          mode: Self.string(secret["mode"]).flatMap { UInt32($0, radix: 8) } ?? 0o400, uid: owner.first ?? 0, gid: owner.last ?? 0)
        }
    }

    // Readers of the effective tree, shared with ManifestRules; a missing or mistyped value reads as absent.

    static func string(_ value: Value?) -> String? {
        if case let .string(text)? = value { return text }
        return nil
    }

    static func integer(_ value: Value?) -> Int64? {
        if case let .integer(number)? = value { return number }
        return nil
    }

    static func strings(_ value: Value?) -> [String]? {
        guard case let .array(elements)? = value else { return nil }
        return elements.compactMap(Self.string)
    }

    static func table(_ value: Value?) -> [String: Value] {
        if case let .table(members)? = value { return members }
        return [:]
    }

    static func tables(_ value: Value?) -> [[String: Value]] {
        guard case let .array(elements)? = value else { return [] }
        return elements.map(Self.table)
    }
}
