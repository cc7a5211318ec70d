import KleinConfig

/// The typed model of a validated manifest, read once from the effective manifest when it is
/// validated: what releases, the runtime, a scheduler and an agent read, with no parsing left to do.
extension PlatformManifest {
    /// `[process]`: overrides of the image's process.
    public struct Process: Sendable, Hashable {
        /// `entrypoint`: replaces the image's ENTRYPOINT.
        public let entrypoint: [String]?
        /// `cmd`: replaces the image's CMD.
        public let cmd: [String]?
        /// `workdir`: replaces the image's WORKDIR.
        public let workdir: String?
        /// `user`: replaces the image's USER (name, uid, uid:gid or name:group).
        public let user: String?
        /// `env`: variables added to the image's Env.
        public let env: [String: String]
    }

    /// One `[[ports]]` entry.
    public struct Port: Sendable, Hashable {
        /// Its name, unique among its kind.
        public let name: String
        /// The container port.
        public let port: Int
        /// `tcp`, `udp`, `http`, `https` or `grpc`.
        public let `protocol`: String
        /// `exposure = "public"`, given or inherited from `network.default_exposure`.
        public let isPublic: Bool
        /// `udp` or `tcp`, as image configs' `ExposedPorts` name it.
        public var transport: String { `protocol` == "udp" ? "udp" : "tcp" }
    }

    /// `[resources]`: what one replica may use.
    public struct Resources: Sendable, Hashable {
        /// `cpu`, in thousandths of a core.
        public let millicores: Int64
        /// `memory`: the hard cap.
        public let memoryBytes: Int64
        /// `disk`: the writable root file system.
        public let diskBytes: Int64
        /// `pids`: the most processes.
        public let pids: Int64
        /// `gpus`, when the manifest asks for any.
        public let gpus: GPUs?
    }

    /// `resources.gpus`.
    public struct GPUs: Sendable, Hashable {
        /// How many GPUs.
        public let count: Int64
        /// `nvidia`, `amd` or `intel`.
        public let kind: String
    }

    /// One `[[checks]]` entry.
    public struct Check: Sendable, Hashable {
        /// What a check does, with the keys only that kind has.
        public enum Probe: Sendable, Hashable {
            /// A request to `path` on the named port, answered with `status`.
            case http(port: String, path: String, status: Int)
            /// A TCP connection to the named port.
            case tcp(port: String)
            /// A command in the container; exit status 0 is healthy.
            case exec(command: [String])
        }

        /// Its name, unique among its kind.
        public let name: String
        /// `kind` and the keys of that kind.
        public let probe: Probe
        /// Time between checks.
        public let interval: Duration
        /// Time one check may take; shorter than `interval`.
        public let timeout: Duration
        /// Time after start before failures count.
        public let gracePeriod: Duration
        /// Consecutive failures that make a replica unhealthy.
        public let failureThreshold: Int
    }

    /// `[rollout]`: how a new release replaces the running one.
    public struct Rollout: Sendable, Hashable {
        /// `rollout.strategy`.
        public enum Strategy: String, Sendable, Hashable {
            case rolling, immediate, canary, bluegreen
        }

        /// `max_unavailable` or `max_surge`: a replica count or a percentage of the replicas.
        public enum Amount: Sendable, Hashable {
            case count(Int)
            case percent(Int)
        }

        /// How replicas are replaced.
        public let strategy: Strategy
        /// How many replicas run.
        public let replicas: Int
        /// Replicas that may be down during a rollout.
        public let maxUnavailable: Amount
        /// Replicas that may run above `replicas` during a rollout.
        public let maxSurge: Amount
        /// Time a new replica must stay healthy to count.
        public let minHealthyTime: Duration
        /// Roll back to the previous release when a rollout fails.
        public let autoRollback: Bool
    }

    /// One `[[volumes]]` entry.
    public struct Volume: Sendable, Hashable {
        /// Its name, unique among its kind.
        public let name: String
        /// Where it is mounted in the container.
        public let path: String
        /// `size`: its capacity.
        public let sizeBytes: Int64
        /// Mounted read-only.
        public let readOnly: Bool
    }

    /// One `[[secrets]]` entry.
    public struct Secret: Sendable, Hashable {
        /// Its name, unique among its kind.
        public let name: String
        /// Where it is mounted in the container.
        public let path: String
        /// The files' permission bits.
        public let mode: UInt32
        /// The files' owner.
        public let uid: Int64
        /// The files' group.
        public let gid: Int64
    }

    /// `[network]`.
    public struct Network: Sendable, Hashable {
        /// Whether ports that name no exposure are public.
        public let publicByDefault: Bool
        /// No port may be public.
        public let internalOnly: Bool
    }

    /// Everything a manifest says, typed.
    struct Model: Sendable {
        let app: String
        let process: Process
        let ports: [Port]
        let resources: Resources
        let checks: [Check]
        let rollout: Rollout
        let volumes: [Volume]
        let secrets: [Secret]
        let network: Network

        /// Reads a validated effective manifest, in which every required and defaulted key is
        /// present in canonical form. A key that is not is a gap in the validator, reported as a problem.
        init(_ effective: [String: Value]) throws(EffectiveTree.Gap) {
            let root = EffectiveTree(effective, at: "")
            app = try root.string("app")
            let process = try root.table("process")
            self.process = Process(entrypoint: try process.optionalStrings("entrypoint"), cmd: try process.optionalStrings("cmd"),
                                   workdir: try process.optionalString("workdir"), user: try process.optionalString("user"),
                                   env: try process.stringMap("env"))
            ports = try root.tables("ports").map { port throws(EffectiveTree.Gap) in
                Port(name: try port.string("name"), port: try port.int("port"), protocol: try port.string("protocol"),
                     isPublic: try port.string("exposure") == "public")
            }
            let resources = try root.table("resources")
            self.resources = Resources(
                millicores: try resources.millicores("cpu"), memoryBytes: try resources.bytes("memory"), diskBytes: try resources.bytes("disk"),
                pids: try resources.integer("pids"),
                gpus: try resources.optionalTable("gpus").map { gpus throws(EffectiveTree.Gap) in
                    GPUs(count: try gpus.integer("count"), kind: try gpus.string("kind"))
                })
            checks = try root.tables("checks").map { check throws(EffectiveTree.Gap) in
                let probe: Check.Probe
                switch try check.string("kind") {
                case "http": probe = .http(port: try check.string("port"), path: try check.string("path"), status: try check.int("status"))
                case "tcp": probe = .tcp(port: try check.string("port"))
                case "exec": probe = .exec(command: try check.strings("command"))
                default: throw check.gap("kind", "http, tcp or exec")
                }
                return Check(name: try check.string("name"), probe: probe, interval: try check.duration("interval"), timeout: try check.duration("timeout"),
                             gracePeriod: try check.duration("grace_period"), failureThreshold: try check.int("failure_threshold"))
            }
            let rollout = try root.table("rollout")
            self.rollout = Rollout(strategy: try rollout.choice("strategy"), replicas: try rollout.int("replicas"),
                                   maxUnavailable: try rollout.amount("max_unavailable"), maxSurge: try rollout.amount("max_surge"),
                                   minHealthyTime: try rollout.duration("min_healthy_time"), autoRollback: try rollout.bool("auto_rollback"))
            volumes = try root.tables("volumes").map { volume throws(EffectiveTree.Gap) in
                Volume(name: try volume.string("name"), path: try volume.string("path"), sizeBytes: try volume.bytes("size"),
                       readOnly: try volume.bool("read_only"))
            }
            secrets = try root.tables("secrets").map { secret throws(EffectiveTree.Gap) in
                let owner = try secret.owner("owner")
                return Secret(name: try secret.string("name"), path: try secret.string("path"), mode: try secret.mode("mode"),
                              uid: owner.uid, gid: owner.gid)
            }
            let network = try root.table("network")
            self.network = Network(publicByDefault: try network.string("default_exposure") == "public", internalOnly: try network.bool("internal_only"))
        }
    }
}
