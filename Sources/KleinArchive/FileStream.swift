#if canImport(Glibc)
import Glibc
#endif

/// Writes to a file descriptor; `finish` fsyncs when asked to and closes it.
public final class FileSink: ByteSink {
    public let path: String
    private let fd: Int32
    private let syncOnFinish: Bool
    private var closed = false

    /// Creates (or truncates) `path` with `mode`; `exclusive` refuses an existing file.
    public init(path: String, mode: mode_t = 0o644, exclusive: Bool = false, syncOnFinish: Bool = false) throws(ArchiveError) {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC)
        fd = open(path, flags, mode)
        guard fd >= 0 else { throw .io(path: path, operation: "create", errno: errno) }
        self.path = path
        self.syncOnFinish = syncOnFinish
    }

    deinit { if !closed { close(fd) } }

    public func write(_ buffer: UnsafeRawBufferPointer) throws(ArchiveError) {
        var offset = 0
        while offset < buffer.count {
            let count = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "write", errno: errno)
            }
            offset += count
        }
    }

    public func finish() throws(ArchiveError) {
        guard !closed else { return }
        closed = true
        if syncOnFinish && fsync(fd) != 0 { throw .io(path: path, operation: "fsync", errno: errno) }
        guard close(fd) == 0 else { throw .io(path: path, operation: "close", errno: errno) }
    }
}

/// Reads from a file descriptor, closed on deinit.
public final class FileSource: ByteSource {
    public let path: String
    private let fd: Int32

    public init(path: String) throws(ArchiveError) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        self.path = path
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
    }

    /// Takes ownership of an open descriptor.
    public init(descriptor: Int32, path: String) {
        fd = descriptor
        self.path = path
    }

    deinit { close(fd) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw .io(path: path, operation: "read", errno: errno) }
        }
    }
}
