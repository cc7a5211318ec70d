#if canImport(Glibc)
import Glibc
#endif

/// A process named so that a reused process id is not mistaken for it: its id and its start time
/// (`/proc/PID/stat`, field 22, in clock ticks since boot).
public struct ProcessIdentity: Sendable, Hashable {
    /// The process id.
    public let pid: Int32
    /// When it started, in clock ticks since boot.
    public let started: UInt64

    /// The process `pid` with this start time.
    public init(pid: Int32, started: UInt64) {
        self.pid = pid
        self.started = started
    }

    /// This process.
    public static var current: ProcessIdentity? { of(getpid()) }

    /// The process `pid` now, when it exists (and has not exited, as a zombie has).
    static func of(_ pid: Int32) -> ProcessIdentity? {
        guard let bytes = try? SmallFile.read("/proc/\(pid)/stat", limit: 4096),
              let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // After "pid (comm)": state is field 3, starttime field 22.
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        guard fields.count > 19, fields[0] != [UInt8(ascii: "Z")][...], let started = UInt64(String(decoding: fields[19], as: UTF8.self)) else { return nil }
        return ProcessIdentity(pid: pid, started: started)
    }

    /// Whether this process still runs (the same process, not another one given its id).
    public var isAlive: Bool { Self.of(pid) == self }
}
