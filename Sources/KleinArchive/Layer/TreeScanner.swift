import CXattr
#if canImport(Glibc)
import Glibc
#endif

/// Lists a directory tree without following symlinks, in the layer writer's order: paths relative to
/// the root, byte for byte as the directory entries name them (UTF-8 or not), sorted by those bytes,
/// which puts every directory before its contents.
struct TreeScanner {
    struct Item {
        let path: BytePath
        let status: stat
    }

    let root: String

    func scan() throws(ArchiveError) -> [Item] {
        var items: [Item] = []
        try walk(relative: nil, into: &items)
        items.sort { BytePath.precedes($0.path, $1.path) }
        return items
    }

    /// The path on the host of `relative`, a path below the root.
    func fullPath(_ relative: BytePath) -> BytePath { BytePath(root).appending(relative) }

    private func walk(relative: BytePath?, into items: inout [Item]) throws(ArchiveError) {
        let directory = relative.map { fullPath($0) } ?? BytePath(root)
        let fd = directory.withCString { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { throw .io(path: directory.description, operation: "list", errno: errno) }
        defer { close(fd) }
        let names: [BytePath]
        do { names = try listDirectory(fd) } catch { throw .io(path: directory.description, operation: "list", errno: error.errno) }
        for name in names {
            let path = relative?.appending(name) ?? name
            guard let info = statNoFollow(fd, name) else { throw .io(path: fullPath(path).description, operation: "stat", errno: errno) }
            items.append(Item(path: path, status: info))
            if (info.st_mode & S_IFMT) == S_IFDIR { try walk(relative: path, into: &items) }
        }
    }

    /// The exact bytes of the target of the symlink at `path`.
    static func readLink(_ path: BytePath) throws(ArchiveError) -> BytePath {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = path.withCString { path in
            buffer.withUnsafeMutableBytes { readlink(path, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count - 1) }
        }
        guard count >= 0 else { throw .io(path: path.description, operation: "readlink", errno: errno) }
        return BytePath(bytes: Array(buffer[..<count]))
    }

    /// The `security.capability` attribute of a file, if it has one.
    static func capability(of path: BytePath) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = path.withCString { lgetxattr($0, "security.capability", &buffer, buffer.count) }
        return count > 0 ? Array(buffer[..<count]) : nil
    }
}
