#if canImport(Glibc)
import Glibc
#endif

extension FileSystem {
    /// Names in `directory`, without `.` and `..`, in byte order; empty when the directory does not exist.
    package static func list(_ directory: String) throws(SystemError) -> [String] {
        let fd = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return [] }
            throw .current("list", directory)
        }
        defer { close(fd) }
        return try list(descriptor: fd, path: directory)
    }

    /// Names in the directory open as `directory` (which may be an `O_PATH` descriptor, and is left
    /// open and unmoved), without `.` and `..`, in byte order; `path` names it in errors. Names that
    /// are not UTF-8 come out with replacement characters: `listBytes` keeps them exact.
    package static func list(descriptor directory: Int32, path: String) throws(SystemError) -> [String] {
        try listBytes(descriptor: directory, path: path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The exact bytes of the names in the directory open as `directory` (which may be an `O_PATH`
    /// descriptor, and is left open and unmoved), without `.` and `..`, in byte order; `path` names it
    /// in errors.
    package static func listBytes(descriptor directory: Int32, path: String) throws(SystemError) -> [[UInt8]] {
        // Reopened for reading: `directory` may be an O_PATH descriptor, which cannot be listed, and
        // fdopendir takes over the descriptor it is given.
        let copy = openat(directory, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard copy >= 0 else { throw .current("list", path) }
        guard let stream = fdopendir(copy) else {
            let error = SystemError.current("list", path)
            close(copy)
            throw error
        }
        defer { closedir(stream) }
        var names: [[UInt8]] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name != [0x2E] && name != [0x2E, 0x2E] { names.append(name) }
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }
}
