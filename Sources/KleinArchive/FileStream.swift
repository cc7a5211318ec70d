import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

/// Writes to a file; `finish` fsyncs when asked to and closes it.
public final class FileSink: ByteSink {
    /// The file written.
    public let path: String
    private let file: POSIXFile
    private let syncOnFinish: Bool
    private var finished = false

    /// Creates (or truncates) `path` with `mode`; `exclusive` refuses an existing file.
    public init(path: String, mode: mode_t = 0o644, exclusive: Bool = false, syncOnFinish: Bool = false) throws(ArchiveError) {
        do {
            file = try POSIXFile.open(path, flags: O_WRONLY | O_CREAT | (exclusive ? O_EXCL : O_TRUNC), mode: mode)
        } catch {
            throw .system(SystemError(operation: "create", path: path, errno: error.errno))
        }
        self.path = path
        self.syncOnFinish = syncOnFinish
    }

    /// Writes all of `buffer`.
    public func write(_ buffer: UnsafeRawBufferPointer) throws(ArchiveError) {
        do { try file.writeAll(buffer) } catch { throw .system(error) }
    }

    /// Fsyncs when asked to, and closes the file; later calls do nothing.
    public func finish() throws(ArchiveError) {
        guard !finished else { return }
        finished = true
        do {
            if syncOnFinish { try file.sync() }
            try file.close()
        } catch {
            throw .system(error)
        }
    }
}

/// Reads from a file, closed when released.
public final class FileSource: ByteSource {
    /// The file read.
    public let path: String
    private let file: POSIXFile

    /// Opens `path` for sequential reading.
    public init(path: String) throws(ArchiveError) {
        do { file = try POSIXFile.open(path, flags: O_RDONLY) } catch { throw .system(error) }
        self.path = path
        file.adviseSequential()
    }

    /// Reads from `file`, which it keeps open until released.
    package init(_ file: POSIXFile) {
        self.file = file
        self.path = file.path
    }

    /// Reads up to `buffer.count` bytes; 0 at the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        do { return try file.read(into: buffer) } catch { throw .system(error) }
    }
}
