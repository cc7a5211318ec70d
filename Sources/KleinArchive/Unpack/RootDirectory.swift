import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

/// Linux `O_PATH` (generic value, as on x86-64 and arm64); Glibc exports it only under `_GNU_SOURCE`.
let O_PATH: Int32 = 0o10000000

/// A directory treated as `/` for every path resolved below it.
///
/// Paths are walked one component at a time with `openat(O_NOFOLLOW)` on directory descriptors, never
/// joined as strings. A symlink met in a parent position is resolved as if the root were `/`
/// (absolute targets restart at the root, `..` stops at the root), the semantics of `openat2`'s
/// `RESOLVE_IN_ROOT`, so no path can reach outside the root.
final class RootDirectory {
    let path: String
    let fd: Int32
    /// Symlinks followed while resolving one path before giving up, as the kernel's limit.
    static let symlinkLimit = 40

    init(path: String) throws(ArchiveError) {
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open root", errno: errno) }
        self.path = path
    }

    deinit { close(fd) }

    /// A descriptor of the directory at `components` (relative to the root), following symlinks in root.
    /// Missing directories are created (mode 0755) when `create` is set, as tar does for entries
    /// whose parents the archive does not list. `chain`, when given, receives the identity of every
    /// directory on the resolved path, root included. The caller closes the returned descriptor.
    func openDirectory(_ components: [BytePath], create: Bool, chain: UnsafeMutablePointer<[FileIdentity]>? = nil) throws(ResolveFailure) -> Int32 {
        var stack: [Int32] = [dup(fd)]
        defer { stack.forEach { close($0) } }
        // Components still to walk, last first, so a symlink's target is pushed on in constant time per component.
        var pending = Array(components.reversed())
        var symlinks = 0
        while let component = pending.last {
            if component.isEmpty || component.isDot {
                pending.removeLast()
                continue
            }
            if component.isDotDot {
                pending.removeLast()
                if stack.count > 1 { close(stack.removeLast()) }
                continue
            }
            let next = component.withCString { openat(stack.last!, $0, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            if next >= 0 {
                pending.removeLast()
                stack.append(next)
                continue
            }
            let code = errno
            guard code == ENOTDIR || code == ELOOP || code == ENOENT else {
                throw ResolveFailure(reason: "cannot open \"\(component)\"", errno: code)
            }
            if let info = statNoFollow(stack.last!, component) {
                guard (info.st_mode & S_IFMT) == S_IFLNK else { throw ResolveFailure(reason: "\"\(component)\" is not a directory", errno: ENOTDIR) }
                symlinks += 1
                guard symlinks <= Self.symlinkLimit else { throw ResolveFailure(reason: "too many levels of symbolic links", errno: ELOOP) }
                let target = try readLink(at: stack.last!, component)
                pending.removeLast()
                if target.isAbsolute {
                    while stack.count > 1 { close(stack.removeLast()) }
                }
                pending.append(contentsOf: target.components.reversed())
                continue
            }
            guard create else { throw ResolveFailure(reason: "cannot open \"\(component)\"", errno: ENOENT) }
            // Created, then opened on the next turn without following anything.
            guard component.withCString({ mkdirat(stack.last!, $0, 0o755) }) == 0 || errno == EEXIST else {
                throw ResolveFailure(reason: "cannot create directory \"\(component)\"", errno: errno)
            }
        }
        if let chain {
            for directory in stack {
                var info = stat()
                if fstat(directory, &info) == 0 { chain.pointee.append(FileIdentity(info)) }
            }
        }
        return stack.removeLast()
    }

    /// The exact bytes of the target of the symlink `name` in `directory`.
    func readLink(at directory: Int32, _ name: BytePath) throws(ResolveFailure) -> BytePath {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = name.withCString { name in
            buffer.withUnsafeMutableBytes { readlinkat(directory, name, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count - 1) }
        }
        guard count >= 0 else { throw ResolveFailure(reason: "cannot read link \"\(name)\"", errno: errno) }
        return BytePath(bytes: Array(buffer[..<count]))
    }
}

/// A file's identity on its file system, to recognize a node whatever path reached it.
struct FileIdentity: Hashable {
    let device: UInt64
    let inode: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

/// Why a path could not be resolved inside the root.
struct ResolveFailure: Error {
    let reason: String
    let errno: Int32
}

/// Status of `name` in `directory` without following a final symlink, or nil when absent.
func statNoFollow(_ directory: Int32, _ name: BytePath) -> stat? {
    var info = stat()
    return name.withCString { fstatat(directory, $0, &info, AT_SYMLINK_NOFOLLOW) } == 0 ? info : nil
}

func isDirectory(_ info: stat) -> Bool { (info.st_mode & S_IFMT) == S_IFDIR }

/// Removes `name` from `directory` and, for a directory, everything below it, never following symlinks.
func removeTree(_ directory: Int32, _ name: BytePath) throws(ResolveFailure) {
    guard let info = statNoFollow(directory, name) else { return }
    if isDirectory(info) {
        let child = name.withCString { openat(directory, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        guard child >= 0 else { throw ResolveFailure(reason: "cannot open \"\(name)\" to remove it", errno: errno) }
        defer { close(child) }
        for entry in try listDirectory(child) { try removeTree(child, entry) }
    }
    guard name.withCString({ unlinkat(directory, $0, isDirectory(info) ? AT_REMOVEDIR : 0) }) == 0 || errno == ENOENT else {
        throw ResolveFailure(reason: "cannot remove \"\(name)\"", errno: errno)
    }
}

/// The exact names in an open directory (without `.` and `..`), in byte order.
func listDirectory(_ directory: Int32) throws(ResolveFailure) -> [BytePath] {
    do { return try FileSystem.listBytes(descriptor: directory, path: ".").map(BytePath.init(bytes:)) } catch {
        throw ResolveFailure(reason: "cannot list directory", errno: error.errno)
    }
}
