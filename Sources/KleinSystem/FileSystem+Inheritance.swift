#if canImport(Glibc)
import Glibc
#endif

extension FileSystem {
    /// Marks every open descriptor above standard error close-on-exec, so a long-lived child (a
    /// detached container's supervisor) holds none of what this process inherited (a parent's pipe
    /// or socket whose end it waits for, as Foundation's `Process` does). Klein's own descriptors
    /// are close-on-exec already.
    package static func closeInheritedDescriptorsOnExec() {
        guard let directory = opendir("/proc/self/fd") else { return }
        defer { closedir(directory) }
        let own = dirfd(directory)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let fd = Int32(name), fd > 2, fd != own else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 && flags & FD_CLOEXEC == 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }
}
