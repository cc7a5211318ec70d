#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor, closed on deinit. Thin, checked wrappers over the system calls the store needs.
public final class POSIXFile {
    public let fd: Int32
    public let path: String

    private let owned: Bool

    private init(fd: Int32, path: String, owned: Bool = true) {
        self.fd = fd
        self.path = path
        self.owned = owned
    }

    deinit { if owned { close(fd) } }

    /// Standard input, left open when released.
    public static var standardInput: POSIXFile { POSIXFile(fd: 0, path: "standard input", owned: false) }

    public static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(StoreError) -> POSIXFile {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        return POSIXFile(fd: fd, path: path)
    }

    /// Reads up to `buffer.count` bytes; 0 means end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) -> Int {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw .io(path: path, operation: "read", errno: errno) }
        }
    }

    /// Reads up to `buffer.count` bytes starting at `offset`, without moving the file position; 0 means end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(StoreError) -> Int {
        while true {
            let count = Glibc.pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
            if count >= 0 { return count }
            if errno != EINTR { throw .io(path: path, operation: "read", errno: errno) }
        }
    }

    /// Fills `buffer` unless the file ends first; returns the bytes read.
    public func readFully(into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) -> Int {
        var filled = 0
        while filled < buffer.count {
            let count = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    public func writeAll(_ buffer: UnsafeRawBufferPointer) throws(StoreError) {
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

    public func writeAll(_ bytes: [UInt8]) throws(StoreError) {
        try bytes.withUnsafeBytes { buffer in Result { () throws(StoreError) in try writeAll(buffer) } }.get()
    }

    public func sync() throws(StoreError) {
        guard fsync(fd) == 0 else { throw .io(path: path, operation: "fsync", errno: errno) }
    }

    public func size() throws(StoreError) -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(path: path, operation: "stat", errno: errno) }
        return Int64(info.st_size)
    }

    /// Cuts or extends the file to `length` bytes.
    public func truncate(to length: Int64) throws(StoreError) {
        guard ftruncate(fd, off_t(length)) == 0 else { throw .io(path: path, operation: "truncate", errno: errno) }
    }

    /// Hints sequential reading to the kernel; purely an optimization.
    public func adviseSequential() {
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
    }

    /// Takes an advisory lock, blocking until it is granted; released when the file is closed.
    public func lock(exclusive: Bool) throws(StoreError) {
        while flock(fd, exclusive ? LOCK_EX : LOCK_SH) != 0 {
            if errno != EINTR { throw .io(path: path, operation: "lock", errno: errno) }
        }
    }
}

/// File-system operations on paths, with errors that name the path.
public enum FileSystem {
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Status of a regular file, or nil when there is none at `path`.
    public static func regularFileStatus(_ path: String) throws(StoreError) -> stat? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw .io(path: path, operation: "stat", errno: errno)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw .io(path: path, operation: "open", errno: EISDIR)
        }
        return info
    }

    public static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws(StoreError) {
        guard mkdir(path, mode) == 0 || errno == EEXIST else {
            throw .io(path: path, operation: "mkdir", errno: errno)
        }
    }

    /// Creates `path` and its missing parents with `mode`; existing directories are left as they are.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(StoreError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            try makeDirectory(prefix, mode: mode)
            prefix += "/"
        }
    }

    public static func rename(_ from: String, _ to: String) throws(StoreError) {
        guard Glibc.rename(from, to) == 0 else { throw .io(path: to, operation: "rename \(from) to", errno: errno) }
    }

    public static func remove(_ path: String) throws(StoreError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw .io(path: path, operation: "remove", errno: errno) }
    }

    /// Makes a rename or creation in `directory` durable.
    public static func syncDirectory(_ directory: String) throws(StoreError) {
        let handle = try POSIXFile.open(directory, flags: O_RDONLY | O_DIRECTORY)
        try handle.sync()
    }

    /// Names in `directory`, sorted, without `.` and `..`; empty when the directory does not exist.
    public static func list(_ directory: String) throws(StoreError) -> [String] {
        guard let stream = opendir(directory) else {
            if errno == ENOENT { return [] }
            throw .io(path: directory, operation: "list", errno: errno)
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Writes `bytes` to `path` atomically: a temporary file in `scratch`, fsync, rename, fsync of the directory.
    /// A given `mode` is set exactly, whatever the umask (for private files such as credentials).
    public static func writeAtomically(_ bytes: [UInt8], to path: String, scratch: String, mode: mode_t? = nil) throws(StoreError) {
        let temporary = "\(scratch)/\(randomName()).tmp"
        do throws(StoreError) {
            let file = try POSIXFile.open(temporary, flags: O_WRONLY | O_CREAT | O_EXCL, mode: mode ?? 0o644)
            if let mode, fchmod(file.fd, mode) != 0 { throw .io(path: temporary, operation: "chmod", errno: errno) }
            try file.writeAll(bytes)
            try file.sync()
            try rename(temporary, path)
            try syncDirectory(parent(of: path))
        } catch {
            try? remove(temporary)
            throw error
        }
    }

    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public static func randomName() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 16) + String(generator.next() as UInt64, radix: 16)
    }
}
