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
    /// open and unmoved), without `.` and `..`, in byte order; `path` names it in errors.
    package static func list(descriptor directory: Int32, path: String) throws(SystemError) -> [String] {
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
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
