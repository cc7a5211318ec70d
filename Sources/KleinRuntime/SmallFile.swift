import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

/// The small files a container's directory holds (its record, its exit status, a process id): read
/// whole with a bound, written atomically so a reader never sees half of one.
enum SmallFile {
    /// The file's bytes, read to its end (`/proc` files report no size); a file over `limit` bytes is
    /// refused, a symlink is not followed.
    static func read(_ path: String, limit: Int) throws(SystemError) -> [UInt8] {
        let file = try POSIXFile.open(path, flags: O_RDONLY | O_NOFOLLOW)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let count = try chunk.withUnsafeMutableBytes { buffer in Result { () throws(SystemError) in try file.read(into: buffer) } }.get()
            if count == 0 { return bytes }
            bytes += chunk.prefix(count)
            guard bytes.count <= limit else { throw SystemError(operation: "read", path: path, errno: EFBIG) }
        }
    }

    /// Replaces the file at `path` with `bytes` atomically (a temporary file beside it, renamed).
    static func write(_ bytes: [UInt8], to path: String) throws(SystemError) {
        try FileSystem.writeAtomically(bytes, to: path, scratch: FileSystem.parent(of: path), mode: 0o600)
    }
}
