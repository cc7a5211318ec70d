#if canImport(Glibc)
import Glibc
#endif

/// File-system operations on paths, with errors that name the path.
package enum FileSystem {
    package static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    package static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Status of a regular file, or nil when there is none at `path`.
    package static func regularFileStatus(_ path: String) throws(SystemError) -> stat? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw .current("stat", path)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw SystemError(operation: "open", path: path, errno: EISDIR) }
        return info
    }

    package static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        guard mkdir(path, mode) == 0 || errno == EEXIST else { throw .current("mkdir", path) }
    }

    /// Creates `path` and its missing parents with `mode`; existing directories are left as they are.
    package static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            try makeDirectory(prefix, mode: mode)
            prefix += "/"
        }
    }

    package static func rename(_ from: String, _ to: String) throws(SystemError) {
        guard Glibc.rename(from, to) == 0 else { throw .current("rename \(from) to", to) }
    }

    /// Removes a file; one that is not there is not an error.
    package static func remove(_ path: String) throws(SystemError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw .current("remove", path) }
    }

    /// Makes a rename or creation in `directory` durable.
    package static func syncDirectory(_ directory: String) throws(SystemError) {
        try POSIXFile.open(directory, flags: O_RDONLY | O_DIRECTORY).sync()
    }

    package static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// 32 random hexadecimal digits, for temporary names.
    package static func randomName() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 16) + String(generator.next() as UInt64, radix: 16)
    }
}
