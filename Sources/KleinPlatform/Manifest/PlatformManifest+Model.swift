import KleinBuild

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

    public var app: String { string(effective["app"]) ?? "" }

    public var process: Process {
        let members = table(effective["process"])
        return Process(entrypoint: strings(members["entrypoint"]), cmd: strings(members["cmd"]), workdir: string(members["workdir"]),
                       user: string(members["user"]), env: table(members["env"]).compactMapValues(string))
    }

    public var ports: [Port] {
        tables(effective["ports"]).map { port in
            Port(name: string(port["name"]) ?? "", port: Int(integer(port["port"]) ?? 0), protocol: string(port["protocol"]) ?? "tcp",
                 isPublic: string(port["exposure"]) == "public")
        }
    }

    public var resources: Resources {
        let members = table(effective["resources"])
        let gpus = table(members["gpus"])
        return Resources(
            millicores: string(members["cpu"]).flatMap { try? ManifestUnits.millicores($0).get() } ?? 0,
            memoryBytes: string(members["memory"]).flatMap { try? ManifestUnits.bytes($0).get() } ?? 0,
            diskBytes: string(members["disk"]).flatMap { try? ManifestUnits.bytes($0).get() } ?? 0,
            pids: integer(members["pids"]) ?? 0,
            gpus: gpus.isEmpty ? nil : GPUs(count: integer(gpus["count"]) ?? 0, kind: string(gpus["kind"]) ?? ""))
    }

    public var volumes: [Volume] {
        tables(effective["volumes"]).map { volume in
            Volume(name: string(volume["name"]) ?? "", path: string(volume["path"]) ?? "",
                   sizeBytes: string(volume["size"]).flatMap { try? ManifestUnits.bytes($0).get() } ?? 0,
                   readOnly: volume["read_only"] == .bool(true))
        }
    }

    public var secrets: [Secret] {
        tables(effective["secrets"]).map { secret in
            let owner = (string(secret["owner"]) ?? "0:0").split(separator: ":").map { Int64($0) ?? 0 }
            return Secret(name: string(secret["name"]) ?? "", path: string(secret["path"]) ?? "",
                          mode: string(secret["mode"]).flatMap { UInt32($0, radix: 8) } ?? 0o400, uid: owner.first ?? 0, gid: owner.last ?? 0)
        }
    }

    private func string(_ value: Value?) -> String? {
        if case let .string(text)? = value { return text }
        return nil
    }

    private func integer(_ value: Value?) -> Int64? {
        if case let .integer(number)? = value { return number }
        return nil
    }

    private func strings(_ value: Value?) -> [String]? {
        guard case let .array(elements)? = value else { return nil }
        return elements.compactMap(string)
    }

    private func table(_ value: Value?) -> [String: Value] {
        if case let .table(members)? = value { return members }
        return [:]
    }

    private func tables(_ value: Value?) -> [[String: Value]] {
        guard case let .array(elements)? = value else { return [] }
        return elements.map(table)
    }
}
