#if canImport(Glibc)
import Glibc
#endif

/// A system call that failed: what was attempted, on which path (or program), and the `errno` it set.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was attempted, as a verb phrase: `open`, `write`, `rename a.tmp to`, `start`.
    public let operation: String
    /// The file, directory or program it was attempted on.
    public let path: String
    /// The error number the system call returned or set.
    public let errno: Int32

    /// A failure of `operation` on `path` with error number `errno`.
    public init(operation: String, path: String, errno: Int32) {
        (self.operation, self.path, self.errno) = (operation, path, errno)
    }

    /// `operation path: the system's message for errno`.
    public var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
}

extension SystemError {
    /// The failure of `operation` on `path` that the thread's current `errno` describes.
    static func current(_ operation: String, _ path: String) -> SystemError {
        SystemError(operation: operation, path: path, errno: Glibc.errno)
    }
}
