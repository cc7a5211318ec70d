import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

/// The small files a container's directory holds (its record, its exit status) and `/proc` entries:
/// read whole with a bound, written atomically so a reader never sees half of one.
enum SmallFile {
    /// The file's bytes; a file over `limit` bytes is refused.
    static func read(_ path: String, limit: Int) throws(SystemError) -> [UInt8] {
        let bytes = try FileSystem.readFile(path, limit: Int64(limit) + 1)
        guard bytes.count <= limit else { throw SystemError(operation: "read", path: path, errno: EFBIG) }
        return bytes
    }

    /// Replaces the file at `path` with `bytes` atomically (a temporary file beside it, renamed).
    static func write(_ bytes: [UInt8], to path: String) throws(SystemError) {
        try FileSystem.writeAtomically(bytes, to: path, scratch: FileSystem.parent(of: path), mode: 0o600)
    }
}
