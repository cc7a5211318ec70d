import CXattr
#if canImport(Glibc)
import Glibc
#endif

/// Lists a directory tree without following symlinks, in the layer writer's order: paths relative to
/// the root, sorted by their UTF-8 bytes, which puts every directory before its contents.
struct TreeScanner {
    struct Item {
        let path: String
        let status: stat
    }

    let root: String

    func scan() throws(ArchiveError) -> [Item] {
        var items: [Item] = []
        try walk(relative: "", into: &items)
        items.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        return items
    }

    private func walk(relative: String, into items: inout [Item]) throws(ArchiveError) {
        let directory = relative.isEmpty ? root : "\(root)/\(relative)"
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: directory, operation: "list", errno: errno) }
        defer { close(fd) }
        let names: [String]
        do { names = try listDirectory(fd) } catch { throw .io(path: directory, operation: "list", errno: error.errno) }
        for name in names {
            let path = relative.isEmpty ? name : "\(relative)/\(name)"
            var info = stat()
            guard lstat("\(root)/\(path)", &info) == 0 else { throw .io(path: "\(root)/\(path)", operation: "stat", errno: errno) }
            items.append(Item(path: path, status: info))
            if (info.st_mode & S_IFMT) == S_IFDIR { try walk(relative: path, into: &items) }
        }
    }

    static func readLink(_ path: String) throws(ArchiveError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { throw .io(path: path, operation: "readlink", errno: errno) }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The `security.capability` attribute of a file, if it has one.
    static func capability(of path: String) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = lgetxattr(path, "security.capability", &buffer, buffer.count)
        return count > 0 ? Array(buffer[..<count]) : nil
    }
}
