#if canImport(Glibc)
import Glibc
#endif
import KleinSystem

/// Read and prepare paths inside a root file system without ever leaving it: what a runtime bundle
/// needs from an unpacked image (its `/etc/passwd`, the owner of a volume directory, mountpoints).
///
/// Paths resolve as `RootDirectory` does, symlinks followed as if the root were `/`, so an image's
/// `/etc/passwd -> /etc/shadow` names the image's own file, never the host's.
public final class ContainedRoot {
    let root: RootDirectory

    /// Opens the directory at `path` as the root.
    public init(path: String) throws(ArchiveError) {
        root = try RootDirectory(path: path)
    }

    /// The root's path on the host.
    public var path: String { root.path }

    /// What `status(of:)` reports of a file.
    public struct Status: Sendable, Hashable {
        /// A file's type, named as messages name it.
        public enum Kind: String, Sendable, Hashable, CustomStringConvertible {
            case regular = "regular file", directory, symlink, characterDevice = "character device", blockDevice = "block device"
            case fifo = "FIFO", socket

            /// The type's name: `regular file`, `directory`, ….
            public var description: String { rawValue }
        }
        /// The file's type.
        public let kind: Kind
        /// Permission bits with setuid, setgid and sticky.
        public let permissions: UInt32
        /// The owner's user ID.
        public let uid: UInt32
        /// The owner's group ID.
        public let gid: UInt32
        /// The size in bytes.
        public let size: Int64

        init(_ info: stat) {
            switch info.st_mode & S_IFMT {
            case S_IFDIR: kind = .directory
            case S_IFLNK: kind = .symlink
            case S_IFCHR: kind = .characterDevice
            case S_IFBLK: kind = .blockDevice
            case S_IFIFO: kind = .fifo
            case S_IFSOCK: kind = .socket
            default: kind = .regular
            }
            permissions = UInt32(info.st_mode & 0o7777)
            uid = UInt32(info.st_uid)
            gid = UInt32(info.st_gid)
            size = Int64(info.st_size)
        }
    }

    /// The status of `path` (symlinks followed inside the root), or nil when nothing is there.
    public func status(of path: String) throws(ArchiveError) -> Status? {
        guard let (directory, name) = try resolve(path) else { return nil }
        defer { close(directory) }
        if name.isEmpty {
            var info = stat()
            guard fstat(directory, &info) == 0 else { throw .io(path: path, operation: "stat", errno: errno) }
            return Status(info)
        }
        return statNoFollow(directory, name).map(Status.init)
    }

    /// The bytes of the regular file at `path`, or nil when nothing is there. Anything but a regular
    /// file (a FIFO, a device, a directory) and files over `limit` bytes are refused: the type is
    /// checked before opening (opening a device can act) and again on the descriptor, which is opened
    /// non-blocking, so nothing swapped in between blocks or is read.
    public func readFile(_ path: String, limit: Int) throws(ArchiveError) -> [UInt8]? {
        guard let (directory, name) = try resolve(path) else { return nil }
        defer { close(directory) }
        if let info = statNoFollow(directory, name), (info.st_mode & S_IFMT) != S_IFREG {
            throw .unsafePath(path: path, reason: "is a \(Status(info).kind), not a regular file")
        }
        let fd = name.withCString { openat(directory, $0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) }
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw .io(path: path, operation: "open", errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(path: path, operation: "stat", errno: errno) }
        let status = Status(info)
        guard status.kind == .regular else { throw .unsafePath(path: path, reason: "is a \(status.kind), not a regular file") }
        guard status.size <= limit else { throw .unsafePath(path: path, reason: "is \(status.size) bytes, over the limit of \(limit)") }
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var count = 0
        while count <= limit {
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, limit + 1 - count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "read", errno: errno)
            }
            if got == 0 { break }
            count += got
        }
        guard count <= limit else { throw .unsafePath(path: path, reason: "grew past the limit of \(limit) bytes while read") }
        return Array(bytes[..<count])
    }

    /// The status of the entry `name` of the root directory itself, a symlink not followed.
    public func status(ofEntry name: String) -> Status? {
        statNoFollow(root.fd, BytePath(name)).map(Status.init)
    }

    /// The names in the directory at `path` (symlinks followed inside the root), sorted by bytes; a
    /// name that is not UTF-8 comes out with replacement characters.
    public func names(inDirectory path: String) throws(ArchiveError) -> [String] {
        do {
            let directory = try root.openDirectory(BytePath(path).components, create: false)
            defer { close(directory) }
            return try listDirectory(directory).map { String(decoding: $0.bytes, as: UTF8.self) }
        } catch {
            throw .unsafePath(path: path, reason: error.reason)
        }
    }

    /// Removes the entry `name` of the root directory and, for a directory, everything below it,
    /// without following symlinks (a tree a container wrote into may hold any).
    public func removeEntry(_ name: String) throws(ArchiveError) {
        do { try removeTree(root.fd, BytePath(name)) } catch { throw .unsafePath(path: "\(path)/\(name)", reason: error.reason) }
    }

    /// Creates the directory `path` and any missing parents (mode 0755, owned by this process), for a
    /// mountpoint. Nothing on the way may be a symlink, whatever it points at: a mount must land
    /// exactly where the path says. Existing non-directories are refused too.
    public func makeDirectories(_ path: String) throws(ArchiveError) {
        var current = dup(root.fd)
        defer { close(current) }
        var walked = ""
        for component in BytePath(path).components {
            guard !component.isDotDot, !component.isDot else { throw .unsafePath(path: path, reason: "is not a normalized absolute path") }
            walked += "/\(component)"
            if let info = statNoFollow(current, component) {
                let status = Status(info)
                guard status.kind != .symlink else { throw .unsafePath(path: path, reason: "goes through the symlink \(walked) in the image") }
                guard status.kind == .directory else { throw .unsafePath(path: path, reason: "\(walked) is a \(status.kind) in the image, not a directory") }
            } else if component.withCString({ mkdirat(current, $0, 0o755) }) != 0 && errno != EEXIST {
                throw .io(path: walked, operation: "create directory", errno: errno)
            }
            let next = component.withCString { openat(current, $0, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            guard next >= 0 else { throw .unsafePath(path: path, reason: "\(walked) changed while it was created") }
            close(current)
            current = next
        }
    }

    /// An absolute path with `.`, `..` and empty components resolved lexically (Go's `filepath.Clean`),
    /// as runc cleans mount destinations and working directories.
    public static func clean(_ path: String) -> String {
        var components: [Substring] = []
        for component in PathText.components(path) {
            if PathText.climbs(component) {
                _ = components.popLast()
            } else if !PathText.isEmptyOrDot(component) {
                components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }

    /// Where `path` leads inside the root once every symlink on it is followed (as the kernel would
    /// with the root as `/`); after a missing component the rest is taken as written, `..` lexically.
    /// A path that leads through a symlink whose target is not UTF-8 is refused.
    public func resolvedPath(_ path: String) throws(ArchiveError) -> String {
        let resolved = try resolvedComponents(path)
        guard let text = BytePath(joining: resolved).string else {
            throw .unsafePath(path: path, reason: "leads to \"/\(BytePath(joining: resolved))\", which is not UTF-8")
        }
        return "/" + text
    }

    /// The components of `resolvedPath(path)`, byte for byte.
    private func resolvedComponents(_ path: String) throws(ArchiveError) -> [BytePath] {
        var resolved: [BytePath] = []
        var pending = Array(BytePath(path).components.reversed())
        var symlinks = 0
        while let component = pending.popLast() {
            if component.isDot { continue }
            if component.isDotDot {
                _ = resolved.popLast()
                continue
            }
            let directory: Int32
            do { directory = try root.openDirectory(resolved, create: false) } catch {
                // Nothing more exists: the rest is resolved as written, `..` lexically.
                for rest in [component] + pending.reversed() where !rest.isDot {
                    if rest.isDotDot { _ = resolved.popLast() } else { resolved.append(rest) }
                }
                return resolved
            }
            defer { close(directory) }
            guard let info = statNoFollow(directory, component), (info.st_mode & S_IFMT) == S_IFLNK else {
                resolved.append(component)
                continue
            }
            symlinks += 1
            guard symlinks <= RootDirectory.symlinkLimit else { throw .unsafePath(path: path, reason: "has too many levels of symbolic links") }
            let target: BytePath
            do { target = try root.readLink(at: directory, component) } catch { throw .unsafePath(path: path, reason: error.reason) }
            if target.isAbsolute { resolved = [] }
            pending.append(contentsOf: target.components.reversed())
        }
        return resolved
    }

    /// The descriptor of the directory holding `path`'s last component and that component (empty for the
    /// root itself), every symlink on the way, the last one included, followed inside the root by
    /// `resolvedPath`; nil when a parent is missing or not a directory.
    private func resolve(_ path: String) throws(ArchiveError) -> (Int32, BytePath)? {
        var components = try resolvedComponents(path)
        let name = components.popLast() ?? ""
        do {
            return (try root.openDirectory(components, create: false), name)
        } catch {
            if error.errno == ENOENT || error.errno == ENOTDIR { return nil }
            throw .unsafePath(path: path, reason: error.reason)
        }
    }
}
