import Foundation
@testable import KleinArchive

#if canImport(Glibc)
import Glibc
#endif

/// File system calls on byte paths for tests, independent of the code under test (which lists
/// directories through KleinSystem): Foundation's APIs take `String` and cannot name a file whose
/// name is not UTF-8.
enum ByteNames {
    /// Exact names in `directory`, without `.` and `..`, sorted by bytes.
    static func list(_ directory: BytePath) -> [BytePath] {
        guard let stream = directory.withCString({ opendir($0) }) else { return [] }
        defer { closedir(stream) }
        var names: [BytePath] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name != Array(".".utf8) && name != Array("..".utf8) { names.append(BytePath(bytes: name)) }
        }
        return names.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
    }

    /// Every path below `root` with its type and contents or link target, and which paths share an
    /// inode: enough to tell two trees apart by name bytes, type, data and hardlink identity.
    static func tree(_ root: BytePath) -> [BytePath: String] {
        var result: [BytePath: String] = [:]
        var inodes: [UInt64: BytePath] = [:]
        func walk(_ relative: BytePath?) {
            for name in list(relative.map { root.appending($0) } ?? root) {
                let path = relative?.appending(name) ?? name
                let full = root.appending(path)
                var info = stat()
                guard full.withCString({ lstat($0, &info) }) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    result[path] = "directory"
                    walk(path)
                case S_IFLNK:
                    result[path] = "symlink -> \(link(full)?.bytes ?? [])"
                default:
                    var description = "file \(contents(full) ?? [])"
                    if info.st_nlink > 1 {
                        if let first = inodes[UInt64(info.st_ino)] { description += " linked to \(first.bytes)" }
                        else { inodes[UInt64(info.st_ino)] = path }
                    }
                    result[path] = description
                }
            }
        }
        walk(nil)
        return result
    }

    static func contents(_ path: BytePath) -> [UInt8]? {
        let fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { return count == 0 ? bytes : nil }
            bytes += buffer[..<count]
        }
    }

    static func link(_ path: BytePath) -> BytePath? {
        var buffer = [UInt8](repeating: 0, count: 4097)
        let count = path.withCString { path in buffer.withUnsafeMutableBytes { readlink(path, $0.baseAddress!.assumingMemoryBound(to: CChar.self), 4096) } }
        return count < 0 ? nil : BytePath(bytes: Array(buffer[..<count]))
    }

    static func inode(_ path: BytePath) -> UInt64? {
        var info = stat()
        return path.withCString({ lstat($0, &info) }) == 0 ? UInt64(info.st_ino) : nil
    }

    static func makeFile(_ path: BytePath, _ contents: [UInt8]) throws {
        let fd = path.withCString { open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw failure("create", path) }
        defer { close(fd) }
        guard contents.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == contents.count else { throw failure("write", path) }
    }

    static func makeDirectory(_ path: BytePath) throws {
        guard path.withCString({ mkdir($0, 0o755) }) == 0 else { throw failure("mkdir", path) }
    }

    static func makeSymlink(_ path: BytePath, to target: BytePath) throws {
        guard target.withCString({ target in path.withCString { symlink(target, $0) } }) == 0 else { throw failure("symlink", path) }
    }

    static func makeHardlink(_ path: BytePath, to target: BytePath) throws {
        guard target.withCString({ target in path.withCString { Glibc.link(target, $0) } }) == 0 else { throw failure("link", path) }
    }

    private static func failure(_ operation: String, _ path: BytePath) -> NSError {
        NSError(domain: "ByteNames", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "\(operation) \(path): \(String(cString: strerror(errno)))"])
    }
}
