import KleinArchive
import KleinOCI
#if canImport(Glibc)
import Glibc
#endif

/// Unpacked layer stacks, one directory per image-spec ChainID (`<directory>/<hex>`). A stack is
/// unpacked once into a staging directory and renamed into place, so a present directory is always
/// complete; it is then only read (as an overlay's lower directory, or for `/etc/passwd`). The cache
/// directory is 0700: an image's setuid files must not be reachable by other users of the host.
public struct RootfsCache: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// The unpacked root file system of `image`, unpacking it when the cache lacks it. `reused` tells
    /// which; `warnings` are the unpacker's (devices skipped, …).
    public func rootfs(for image: RunnableImage, options: UnpackOptions = UnpackOptions()) throws(RuntimeError) -> (path: String, reused: Bool, warnings: [String]) {
        let path = "\(directory)/\(image.chainID.encoded)"
        if access(path, F_OK) == 0 { return (path, true, []) }
        try Self.makePrivateDirectory(directory)
        let staging = "\(directory)/.partial-\(image.chainID.encoded.prefix(16))-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard mkdir(staging, 0o700) == 0 else { throw .io(path: staging, operation: "create directory", errno: errno) }
        let warnings: [String]
        do {
            warnings = try image.unpack(into: staging, options: options)
        } catch {
            Self.remove(staging)
            throw error
        }
        // Another process may have finished the same stack first; then its copy is used.
        if rename(staging, path) != 0 {
            let code = errno
            Self.remove(staging)
            guard code == EEXIST || code == ENOTEMPTY else { throw .io(path: path, operation: "move the unpacked root file system to", errno: code) }
            return (path, true, [])
        }
        return (path, false, warnings)
    }

    static func makeDirectories(_ path: String) throws(RuntimeError) {
        var walked = ""
        for part in path.split(separator: "/") {
            walked += (walked.isEmpty && !path.hasPrefix("/") ? "" : "/") + part
            guard mkdir(walked, 0o755) == 0 || errno == EEXIST else { throw .io(path: walked, operation: "create directory", errno: errno) }
        }
    }

    /// `path` and its parents, then `path` itself made 0700: unpacked images keep their owners and
    /// setuid bits, so no other user may reach them.
    static func makePrivateDirectory(_ path: String) throws(RuntimeError) {
        try makeDirectories(path)
        guard chmod(path, 0o700) == 0 else { throw .io(path: path, operation: "make private", errno: errno) }
    }

    /// Removes a tree Klein made, never following symlinks in it.
    static func remove(_ path: String) {
        let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let name = String(path.split(separator: "/").last ?? "")
        guard !name.isEmpty, let root = try? ContainedRoot(path: parent.isEmpty ? (path.hasPrefix("/") ? "/" : ".") : parent) else { return }
        try? root.removeEntry(name)
    }
}
