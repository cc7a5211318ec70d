#if canImport(Glibc)
import Glibc
#endif

extension FileSystem {
    /// Writes `bytes` to `path` atomically: a temporary file in `scratch`, fsync, rename, fsync of the
    /// directory; on failure the temporary file is removed and `path` is untouched. A given `mode` is set
    /// exactly, whatever the umask (for private files such as credentials).
    package static func writeAtomically(_ bytes: [UInt8], to path: String, scratch: String, mode: mode_t? = nil) throws(SystemError) {
        let temporary = "\(scratch)/\(randomName()).tmp"
        do throws(SystemError) {
            let file = try POSIXFile.open(temporary, flags: O_WRONLY | O_CREAT | O_EXCL, mode: mode ?? 0o644)
            if let mode, fchmod(file.fd, mode) != 0 { throw .current("chmod", temporary) }
            try file.writeAll(bytes)
            try file.sync()
            try file.close()
            try rename(temporary, path)
            try syncDirectory(parent(of: path))
        } catch {
            try? remove(temporary)
            throw error
        }
    }
}
