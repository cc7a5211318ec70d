import KleinOCI
import KleinSystem

/// The secure defaults every Klein container starts from, equivalent to what `runc spec` and
/// containerd generate: new namespaces, the standard mounts, masked and read-only kernel paths, a
/// small capability set, `noNewPrivileges` and no devices beyond the runtime's standard ones.
enum DefaultSpec {
    /// pid, network, ipc, uts, mount and cgroup: nothing of the host's is shared.
    static let namespaces = ["pid", "network", "ipc", "uts", "mount", "cgroup"]

    /// containerd's default set without `CAP_NET_RAW` (raw sockets, ARP spoofing) and `CAP_MKNOD`
    /// (devices come only from the node). Inheritable and ambient stay empty.
    static let capabilities = [
        "CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE",
        "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT",
    ]

    static let rlimits = [RuntimeSpec.RLimit(type: "RLIMIT_NOFILE", soft: 1024, hard: 1024)]

    /// The search path a process gets when the image sets none (containerd's).
    static let path = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    static let mounts = [
        RuntimeSpec.Mount(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
        RuntimeSpec.Mount(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        RuntimeSpec.Mount(destination: "/dev/pts", type: "devpts", source: "devpts",
                          options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
        RuntimeSpec.Mount(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
        RuntimeSpec.Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
        RuntimeSpec.Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
        RuntimeSpec.Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
    ]

    /// Paths of the kernel a container must not see (containerd's list).
    static let maskedPaths = [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
        "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    ]

    static let readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

    /// The device cgroup starts by denying everything; the runtime adds its standard nodes
    /// (`/dev/null`, `/dev/zero`, …) and Klein only the node's GPUs.
    static let denyAllDevices = RuntimeSpec.DeviceRule(allow: false)

    /// Where no mount may go and no working directory may point: the kernel's own file systems.
    static let kernelRoots = ["/proc", "/sys", "/dev"]

    static func isUnderKernelRoot(_ path: String) -> Bool {
        kernelRoots.contains { PathText.isWithin(path, $0) }
    }

    /// CPU time per period, in microseconds, and the period: one core is 100,000 µs each 100,000 µs.
    static let cpuPeriod: UInt64 = 100_000
    /// The kernel refuses a CFS quota under 1 ms; a smaller request gets the minimum.
    static let minimumCPUQuota: Int64 = 1_000
}
