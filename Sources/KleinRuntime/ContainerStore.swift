import KleinArchive
import KleinOCI
import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

/// The containers of a node, one directory each in `DATA/containers/ID` (mode 0700): the bundle
/// (`config.json`, `rootfs/` as an overlay on the rootfs cache, `upper/`, `work/`), the record
/// (`container.json`), a detached container's output (`log`) and, once its process has ended, how
/// it ended (`exit.json`). A directory is made under a staging name and renamed once its record is
/// written, so every `ID` directory has a record.
public struct ContainerStore: Sendable {
    /// `DATA/containers`.
    public let directory: String

    /// The store in `directory`.
    public init(directory: String) { self.directory = directory }

    /// The directory of container `id`.
    public func path(of id: String) -> String { "\(directory)/\(id)" }
    /// A detached container's output.
    public func logPath(of id: String) -> String { "\(path(of: id))/log" }
    var exitPath: (String) -> String { { "\(path(of: $0))/exit.json" } }

    /// Makes the container's directory with its record in it.
    func create(_ record: ContainerRecord) throws(RuntimeError) {
        try RootfsCache.makePrivateDirectory(directory)
        let staging = "\(directory)/.partial-\(record.id)-\(getpid())"
        guard mkdir(staging, 0o700) == 0 else { throw .io(path: staging, operation: "create directory", errno: errno) }
        do {
            try SmallFile.write(record.jsonValue.canonicalBytes, to: "\(staging)/container.json")
            try FileSystem.rename(staging, path(of: record.id))
        } catch {
            RootfsCache.remove(staging)
            throw .system(error)
        }
    }

    /// Replaces the container's record.
    func update(_ record: ContainerRecord) throws(RuntimeError) {
        do { try SmallFile.write(record.jsonValue.canonicalBytes, to: "\(path(of: record.id))/container.json") } catch { throw .system(error) }
    }

    /// The record of container `id`.
    public func record(_ id: String) throws(RuntimeError) -> ContainerRecord {
        guard let bytes = try? SmallFile.read("\(path(of: id))/container.json", limit: 1 << 16) else {
            throw .container("no container \(id) in \(directory)")
        }
        guard let record = (try? JSONParser.parse(bytes)).flatMap(ContainerRecord.init(json:)), record.id == id else {
            throw .container("the record of container \(id) (\(path(of: id))/container.json) is damaged")
        }
        return record
    }

    /// Every container's record, oldest first.
    public func records() -> [ContainerRecord] {
        names().filter { !$0.hasPrefix(".") }.compactMap { try? record($0) }.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
    }

    /// The container a user named: its whole id, or a prefix of it (with or without `klein-`) that
    /// names exactly one.
    public func resolve(_ name: String) throws(RuntimeError) -> ContainerRecord {
        let ids = names().filter { !$0.hasPrefix(".") }
        if ids.contains(name) { return try record(name) }
        let matches = ids.filter { $0.hasPrefix(name) || $0.hasPrefix("klein-" + name) }
        guard !name.isEmpty, let first = matches.first else { throw .container("no container \(name) (klein container list shows them)") }
        guard matches.count == 1 else { throw .container("\(name) names \(matches.count) containers: \(matches.joined(separator: ", "))") }
        return try record(first)
    }

    /// How the container's process ended, as its supervisor recorded it; nil when not recorded.
    public func exit(of id: String) -> ContainerOutcome? {
        guard let bytes = try? SmallFile.read(exitPath(id), limit: 4096) else { return nil }
        return (try? JSONParser.parse(bytes)).flatMap(ContainerOutcome.init(json:))
    }

    /// Records how the container's process ended, atomically.
    func recordExit(_ outcome: ContainerOutcome, of id: String) throws(RuntimeError) {
        do { try SmallFile.write(outcome.jsonValue.canonicalBytes, to: exitPath(id)) } catch { throw .system(error) }
    }

    /// Unmounts the container's root file system and removes its directory. A directory whose
    /// `rootfs` cannot be unmounted stays: it would still be an overlay on the rootfs cache.
    func remove(_ id: String) throws(RuntimeError) {
        try removeDirectory(path(of: id))
    }

    /// Unmounts `path/rootfs` and removes `path`.
    func removeDirectory(_ path: String) throws(RuntimeError) {
        guard OverlayMount.unmount("\(path)/rootfs") else { throw .io(path: "\(path)/rootfs", operation: "unmount", errno: errno) }
        RootfsCache.remove(path)
        guard access(path, F_OK) != 0 else { throw .io(path: path, operation: "remove", errno: EBUSY) }
    }

    /// The store's lock, held (exclusively) until the returned file is released: one clean-up at a time.
    func lock() throws(RuntimeError) -> POSIXFile {
        try RootfsCache.makePrivateDirectory(directory)
        do {
            let file = try POSIXFile.open("\(directory)/.lock", flags: O_RDWR | O_CREAT | O_NOFOLLOW, mode: 0o600)
            try file.lock(exclusive: true)
            return file
        } catch {
            throw .system(error)
        }
    }

    /// Staging directories whose creating process is gone (`.partial-ID-PID`).
    func abandonedStaging() -> [String] {
        names().filter { name in
            guard name.hasPrefix(".partial-"), let pid = pid_t(name.split(separator: "-").last ?? "") else { return false }
            return Glibc.kill(pid, 0) != 0 && errno == ESRCH
        }.map { "\(directory)/\($0)" }
    }

    private func names() -> [String] {
        (try? ContainedRoot(path: directory).names(inDirectory: "/")) ?? []
    }
}
