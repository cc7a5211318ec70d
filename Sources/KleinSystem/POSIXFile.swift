#if canImport(Glibc)
import Glibc
#endif

/// An open file descriptor, closed once: by `close()` or on deinit. Thin, checked, EINTR-safe wrappers
/// over the system calls Klein needs; one call per read or write, no buffering and no allocation.
package final class POSIXFile {
    package let fd: Int32
    package let path: String
    /// Whether the descriptor is still to be closed by this object.
    private var owned: Bool

    /// Takes ownership of `fd` (closed when released); `path` names it in errors.
    package init(adopting fd: Int32, path: String) {
        self.fd = fd
        self.path = path
        self.owned = true
    }

    private init(borrowing fd: Int32, path: String) {
        self.fd = fd
        self.path = path
        self.owned = false
    }

    deinit { if owned { Glibc.close(fd) } }

    /// Standard input, left open when released.
    package static var standardInput: POSIXFile { POSIXFile(borrowing: 0, path: "standard input") }

    /// Opens `path` with `flags` (close-on-exec is always added).
    package static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(SystemError) -> POSIXFile {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .current("open", path) }
        return POSIXFile(adopting: fd, path: path)
    }

    /// A pipe, both ends close-on-exec (so children started meanwhile do not hold it open).
    package static func pipe() throws(SystemError) -> (read: POSIXFile, write: POSIXFile) {
        var fds: [Int32] = [-1, -1]
        guard Glibc.pipe(&fds) == 0 else { throw .current("create", "a pipe") }
        let ends = (read: POSIXFile(adopting: fds[0], path: "a pipe"), write: POSIXFile(adopting: fds[1], path: "a pipe"))
        guard fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(fds[1], F_SETFD, FD_CLOEXEC) == 0 else {
            throw .current("configure", "a pipe")
        }
        return ends
    }

    /// Reads up to `buffer.count` bytes; 0 means end of file.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw .current("read", path) }
        }
    }

    /// Reads up to `buffer.count` bytes starting at `offset`, without moving the file position; 0 means end of file.
    package func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(SystemError) -> Int {
        while true {
            let count = Glibc.pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
            if count >= 0 { return count }
            if errno != EINTR { throw .current("read", path) }
        }
    }

    /// Fills `buffer` unless the file ends first; returns the bytes read.
    package func readFully(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        var filled = 0
        while filled < buffer.count {
            let count = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    /// Writes all of `buffer`, continuing after short writes and interruptions.
    package func writeAll(_ buffer: UnsafeRawBufferPointer) throws(SystemError) {
        try Self.writeAll(buffer, to: fd, path: path)
    }

    /// Writes all of `buffer` to a descriptor the caller owns (the unpacker's files, opened relative to
    /// a directory), continuing after short writes and interruptions; `path` names it in errors.
    package static func writeAll(_ buffer: UnsafeRawBufferPointer, to fd: Int32, path: @autoclosure () -> String) throws(SystemError) {
        var offset = 0
        while offset < buffer.count {
            let count = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                throw .current("write", path())
            }
            offset += count
        }
    }

    /// Writes all of `bytes`.
    package func writeAll(_ bytes: [UInt8]) throws(SystemError) {
        try bytes.withUnsafeBytes { buffer in Result { () throws(SystemError) in try writeAll(buffer) } }.get()
    }

    package func sync() throws(SystemError) {
        guard fsync(fd) == 0 else { throw .current("fsync", path) }
    }

    /// Closes the descriptor now, reporting a failure (which can be a delayed write error).
    package func close() throws(SystemError) {
        guard owned else { return }
        owned = false
        guard Glibc.close(fd) == 0 else { throw .current("close", path) }
    }

    package func size() throws(SystemError) -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .current("stat", path) }
        return Int64(info.st_size)
    }

    /// Cuts or extends the file to `length` bytes.
    package func truncate(to length: Int64) throws(SystemError) {
        guard ftruncate(fd, off_t(length)) == 0 else { throw .current("truncate", path) }
    }

    /// Hints sequential reading to the kernel; purely an optimization.
    package func adviseSequential() {
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
    }

    /// Takes an advisory lock, blocking until it is granted; released when the file is closed.
    package func lock(exclusive: Bool) throws(SystemError) {
        while flock(fd, exclusive ? LOCK_EX : LOCK_SH) != 0 {
            if errno != EINTR { throw .current("lock", path) }
        }
    }
}
