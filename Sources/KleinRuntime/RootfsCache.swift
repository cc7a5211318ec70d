import KleinArchive
import KleinOCI
import KleinStore
import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

/// Unpacked layer stacks, one directory per image-spec ChainID (`<directory>/<hex>`). A stack is
/// unpacked once into a staging directory and renamed into place, so a present directory is always
/// complete; it is then only read (as an overlay's lower directory, or for `/etc/passwd`). The cache
/// directory is 0700: an image's setuid files must not be reachable by other users of the host.
public struct RootfsCache: Sendable {
    /// The cache directory, absolute.
    public let directory: String

    /// `directory` is made absolute: it appears in overlay mount options, which `prune` reads back.
    public init(directory: String) {
        guard !directory.hasPrefix("/"), let cwd = getcwd(nil, 0) else {
            self.directory = directory
            return
        }
        defer { free(cwd) }
        self.directory = String(cString: cwd) + "/" + directory
    }

    /// Runs `body` holding the cache's lock: shared while a tree is looked up, read and mounted,
    /// exclusive while `prune` removes trees, so no tree goes away between lookup and mount.
    public func withLock<T>(exclusive: Bool, _ body: () throws(RuntimeError) -> T) throws(RuntimeError) -> T {
        try Self.makePrivateDirectory(directory)
        let path = "\(directory)/.lock"
        let lock = try RuntimeError.wrap { try POSIXFile.open(path, flags: O_RDWR | O_CREAT | O_NOFOLLOW, mode: 0o600) }
        try RuntimeError.wrap { try lock.lock(exclusive: exclusive) }
        defer { withExtendedLifetime(lock) {} }
        return try body()
    }

    /// Removes every unpacked tree that no mounted overlay uses as its lower directory, and staging
    /// directories whose unpacking process is gone. Returns the names removed.
    public func prune() throws(RuntimeError) -> [String] {
        try withLock(exclusive: true) { () throws(RuntimeError) -> [String] in
            let names: [String]
            do throws(ArchiveError) { names = try ContainedRoot(path: directory).names(inDirectory: "/") } catch { throw .archive(error) }
            let mounts = Self.overlayLowerDirectories()
            var removed: [String] = []
            for name in names where name != ".lock" {
                if name.hasPrefix(".partial-") {
                    // .partial-<chain>-<pid>-<random>: kept while its process runs.
                    let parts = name.split(separator: "-")
                    if parts.count == 4, let pid = pid_t(parts[2]), kill(pid, 0) == 0 || errno == EPERM { continue }
                } else if mounts.contains("\(directory)/\(name)") {
                    continue
                }
                Self.remove("\(directory)/\(name)")
                removed.append(name)
            }
            return removed
        }
    }

    /// The lower directories of the overlays mounted now, from `/proc/self/mountinfo`.
    static func overlayLowerDirectories() -> Set<String> {
        guard let file = fopen("/proc/self/mountinfo", "r") else { return [] }
        defer { fclose(file) }
        var result: Set<String> = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            for option in String(cString: line).split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }) where option.hasPrefix("lowerdir=") {
                for lower in option.dropFirst("lowerdir=".count).split(separator: ":") {
                    result.insert(lower.split(separator: "\\040", omittingEmptySubsequences: false).joined(separator: " "))
                }
            }
        }
        return result
    }

    /// The unpacked root file system of `image`, unpacking it when the cache lacks it. `reused` tells
    /// which; `warnings` are the unpacker's (devices skipped, …).
    public func rootfs(for image: RunnableImage, options: UnpackOptions = UnpackOptions()) throws(RuntimeError) -> (path: String, reused: Bool, warnings: [String]) {
        let path = "\(directory)/\(image.chainID.encoded)"
        if access(path, F_OK) == 0 { return (path, true, []) }
        try Self.makePrivateDirectory(directory)
        let staging = "\(directory)/.partial-\(image.chainID.encoded.prefix(16))-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard mkdir(staging, 0o700) == 0 else { throw .io(path: staging, operation: "create directory", errno: errno) }
        let warnings: [String]
        do {
            warnings = try image.unpack(into: staging, options: options)
        } catch {
            Self.remove(staging)
            throw error
        }
        // Another process may have finished the same stack first; then its copy is used.
        if rename(staging, path) != 0 {
            let code = errno
            Self.remove(staging)
            guard code == EEXIST || code == ENOTEMPTY else { throw .io(path: path, operation: "move the unpacked root file system to", errno: code) }
            return (path, true, [])
        }
        return (path, false, warnings)
    }

    /// `path` and its parents, then `path` itself made 0700: unpacked images keep their owners and
    /// setuid bits, so no other user may reach them.
    static func makePrivateDirectory(_ path: String) throws(RuntimeError) {
        try RuntimeError.wrap { try FileSystem.makeDirectories(path) }
        guard chmod(path, 0o700) == 0 else { throw .io(path: path, operation: "make private", errno: errno) }
    }

    /// Removes a tree Klein made, never following symlinks in it.
    static func remove(_ path: String) {
        let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let name = String(path.split(separator: "/").last ?? "")
        guard !name.isEmpty, let root = try? ContainedRoot(path: parent.isEmpty ? (path.hasPrefix("/") ? "/" : ".") : parent) else { return }
        try? root.removeEntry(name)
    }
}
