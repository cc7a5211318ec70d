import KleinConfig

/// Platform manifest schema 1 (`klein.platform.toml`): how to run an image, never what is in it.
/// Every key, its type, its default and its one-line documentation.
public enum ManifestSchema {
    static let version: Int64 = 1

    static let kilobyte: Int64 = 1024
    static let megabyte: Int64 = 1024 * 1024
    static let gigabyte: Int64 = 1024 * 1024 * 1024
    static let terabyte: Int64 = 1024 * 1024 * 1024 * 1024

    static let root: [ManifestField] = [
        ManifestField("schema", .constant(version), "Manifest schema version.", .required),
        ManifestField("app", .name, "The application's name: lowercase letters, digits and '-', at most 63.", .required),
        ManifestField("process", .table(process), "Overrides of the image's process.", .defaulted(.table([:]))),
        ManifestField("ports", .tables(port), "Ports the process listens on.", .defaulted(.array([]))),
        ManifestField("resources", .table(resources), "What one replica may use.", .defaulted(.table([:]))),
        ManifestField("checks", .tables(check), "Health checks.", .defaulted(.array([]))),
        ManifestField("rollout", .table(rollout), "How a new release replaces the running one.", .defaulted(.table([:]))),
        ManifestField("volumes", .tables(volume), "Named volumes, managed by the platform.", .defaulted(.array([]))),
        ManifestField("secrets", .tables(secret), "Secret bundles mounted as files.", .defaulted(.array([]))),
        ManifestField("network", .table(network), "Network exposure.", .defaulted(.table([:]))),
    ]

    static let process: [ManifestField] = [
        ManifestField("entrypoint", .strings, "Replaces the image's ENTRYPOINT (and drops its CMD unless cmd is set)."),
        ManifestField("cmd", .strings, "Replaces the image's CMD."),
        ManifestField("workdir", .absolutePath, "Replaces the image's WORKDIR."),
        ManifestField("user", .user, "Replaces the image's USER: name, uid, uid:gid or name:group."),
        ManifestField("env", .environment, "Variables added to the image's Env (same name: this value wins).", .defaulted(.table([:]))),
    ]

    static let port: [ManifestField] = [
        ManifestField("name", .name, "The port's name, used by checks.", .required),
        ManifestField("port", .integer(1...65535), "The container port.", .required),
        ManifestField("protocol", .choice(["tcp", "udp", "http", "https", "grpc"]), "What speaks on the port.", .defaulted(.string("tcp"))),
        ManifestField("exposure", .choice(["public", "internal"]), "Reachable from outside, or from the platform only.",
                      .inherited(from: "network.default_exposure")),
    ]

    static let resources: [ManifestField] = [
        ManifestField("cpu", .cpu(1...1_024_000), "CPU request: cores (2, 0.5, \"1.5\") or millicores (\"250m\").", .defaulted(.string("1000m"))),
        ManifestField("memory", .size(4 * megabyte...4 * terabyte), "Memory hard cap (\"512Mi\", \"2Gi\").", .defaulted(.string("512Mi"))),
        ManifestField("disk", .size(megabyte...64 * terabyte), "Writable disk for the root file system.", .defaulted(.string("1Gi"))),
        ManifestField("pids", .integer(1...4_194_304), "Maximum number of processes.", .defaulted(.integer(1024))),
        ManifestField("gpus", .table(gpus), "GPUs to attach, the only way to get a device."),
    ]

    static let gpus: [ManifestField] = [
        ManifestField("count", .integer(1...64), "How many GPUs.", .required),
        ManifestField("kind", .choice(["nvidia", "amd", "intel"]), "The GPU vendor.", .required),
    ]

    static let httpOnly = ManifestField.Condition(key: "kind", values: ["http"])
    static let networked = ManifestField.Condition(key: "kind", values: ["http", "tcp"])
    static let execOnly = ManifestField.Condition(key: "kind", values: ["exec"])

    static let check: [ManifestField] = [
        ManifestField("name", .name, "The check's name.", .required),
        ManifestField("kind", .choice(["http", "tcp", "exec"]), "An HTTP request, a TCP connection or a command in the container.", .required),
        ManifestField("port", .name, "The name of the port to check (http, tcp).", .required, when: networked),
        ManifestField("path", .httpPath, "The request path (http).", .defaulted(.string("/")), when: httpOnly),
        ManifestField("status", .integer(100...599), "The expected response status (http).", .defaulted(.integer(200)), when: httpOnly),
        ManifestField("command", .strings, "The command to run; exit status 0 is healthy (exec).", .required, when: execOnly),
        ManifestField("interval", .duration(1000...3_600_000), "Time between checks.", .defaulted(.string("10s"))),
        ManifestField("timeout", .duration(100...600_000), "Time one check may take; shorter than the interval.", .defaulted(.string("2s"))),
        ManifestField("grace_period", .duration(0...3_600_000), "Time after start before failures count.", .defaulted(.string("0s"))),
        ManifestField("failure_threshold", .integer(1...100), "Consecutive failures that make a replica unhealthy.", .defaulted(.integer(3))),
    ]

    static let rollout: [ManifestField] = [
        ManifestField("strategy", .choice(["rolling", "immediate", "canary", "bluegreen"]), "How replicas are replaced.",
                      .defaulted(.string("rolling"))),
        ManifestField("replicas", .integer(0...1000), "How many replicas run.", .defaulted(.integer(1))),
        ManifestField("max_unavailable", .countOrPercent, "Replicas that may be down during a rollout (count or \"N%\").",
                      .defaulted(.string("25%"))),
        ManifestField("max_surge", .countOrPercent, "Replicas that may run above `replicas` during a rollout (count or \"N%\").",
                      .defaulted(.string("25%"))),
        ManifestField("min_healthy_time", .duration(0...3_600_000), "Time a new replica must stay healthy to count.", .defaulted(.string("10s"))),
        ManifestField("auto_rollback", .bool, "Roll back to the previous release when a rollout fails.", .defaulted(.bool(true))),
    ]

    static let volume: [ManifestField] = [
        ManifestField("name", .name, "The volume's name; the platform owns where it lives.", .required),
        ManifestField("path", .mountPath, "Where it is mounted in the container.", .required),
        ManifestField("size", .size(megabyte...64 * terabyte), "Its capacity.", .defaulted(.string("1Gi"))),
        ManifestField("read_only", .bool, "Mount it read-only.", .defaulted(.bool(false))),
    ]

    static let secret: [ManifestField] = [
        ManifestField("name", .name, "The secret bundle's name.", .required),
        ManifestField("path", .mountPath, "The directory its files appear in.", .required),
        ManifestField("mode", .fileMode, "The files' permission bits.", .defaulted(.string("0400"))),
        ManifestField("owner", .owner, "The files' numeric UID:GID.", .defaulted(.string("0:0"))),
    ]

    static let network: [ManifestField] = [
        ManifestField("default_exposure", .choice(["public", "internal"]), "The exposure of ports that name none.",
                      .defaulted(.string("internal"))),
        ManifestField("internal_only", .bool, "No port may be public.", .defaulted(.bool(false))),
    ]

    /// Keys that would ask for privileged or host access, with why they are refused. They get this
    /// message instead of "unknown key", wherever they appear.
    static let forbidden: [String: String] = [
        "privileged": "privileged containers are not allowed; the platform runs every app unprivileged",
        "host_network": "the host's network is not allowed; declare [[ports]] and the platform routes them",
        "host_pid": "the host's process namespace is not allowed",
        "host_ipc": "the host's IPC namespace is not allowed",
        "host_path": "host paths are not allowed; use a named volume, which the platform places",
        "hostPath": "host paths are not allowed; use a named volume, which the platform places",
        "host_port": "host ports are not allowed; the platform maps container ports (set exposure = \"public\")",
        "capabilities": "capabilities are not allowed; the platform runs every app with its default set",
        "cap_add": "capabilities are not allowed; the platform runs every app with its default set",
        "devices": "devices are not allowed; request GPUs with resources.gpus = { count = N, kind = \"nvidia\" }",
        "security_opt": "security options are not allowed; seccomp, AppArmor and SELinux profiles are the platform's",
        "seccomp": "security options are not allowed; seccomp, AppArmor and SELinux profiles are the platform's",
        "apparmor": "security options are not allowed; seccomp, AppArmor and SELinux profiles are the platform's",
        "sysctls": "sysctls are not allowed",
    ]

    /// Host access that only makes sense in one table (`source` of a volume, `mode` of the network).
    static let forbiddenIn: [String: [String: String]] = [
        "volumes": ["source": "volumes are named, never host paths; the platform decides where they live"],
        "network": [
            "mode": "the network mode is the platform's; host networking is not allowed",
            "host": "the host's network is not allowed; declare [[ports]] and the platform routes them",
        ],
    ]

    /// Paths that no mount may be or be under: the kernel's interfaces the runtime provides.
    static let reservedMountRoots = ["/proc", "/sys", "/dev"]
}
