import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

/// The unix socket an OCI runtime sends a container's pseudo-terminal master to (runc's
/// `--console-socket`, runtime-spec's `process.terminal`): one connection, one file descriptor passed
/// with `SCM_RIGHTS`. The socket file is in /tmp (a socket path has at most 107 bytes) and is removed
/// as soon as the master has arrived, or when this is released.
final class ConsoleSocket {
    let path: String
    private let listener: POSIXFile
    private var unlinked = false

    init() throws(RuntimeError) {
        path = "/tmp/klein-console-\(String(UInt64.random(in: 0...UInt64.max), radix: 16)).sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .io(path: path, operation: "create the console socket", errno: errno) }
        listener = POSIXFile(adopting: fd, path: path)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes.prefix(raw.count - 1))
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, chmod(path, 0o600) == 0, listen(fd, 1) == 0 else {
            throw .io(path: path, operation: "listen on the console socket", errno: errno)
        }
    }

    deinit { if !unlinked { unlink(path) } }

    /// The pseudo-terminal master the runtime sent: its connection is queued once `create` has
    /// returned; waits at most `seconds` for it.
    func receiveMaster(seconds: Int32 = 10) throws(RuntimeError) -> POSIXFile {
        defer {
            unlink(path)
            unlinked = true
        }
        var ready = pollfd(fd: listener.fd, events: Int16(POLLIN), revents: 0)
        guard poll(&ready, 1, seconds * 1000) == 1 else { throw .runtime("the runtime sent no terminal to \(path)") }
        let connection = accept(listener.fd, nil, nil)
        guard connection >= 0 else { throw .io(path: path, operation: "accept on the console socket", errno: errno) }
        _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
        defer { close(connection) }
        // runc sends the terminal's name as the data and the descriptor in one SCM_RIGHTS message.
        var name = [UInt8](repeating: 0, count: 4096)
        var control = [UInt8](repeating: 0, count: 64)
        let received: Int = name.withUnsafeMutableBytes { nameBuffer in
            control.withUnsafeMutableBytes { controlBuffer in
                var vector = iovec(iov_base: nameBuffer.baseAddress, iov_len: nameBuffer.count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBuffer.baseAddress
                    message.msg_controllen = controlBuffer.count
                    let count = recvmsg(connection, &message, 0)
                    return count < 0 ? -1 : Int(message.msg_controllen)
                }
            }
        }
        // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } then the data (64-bit Linux).
        let header = MemoryLayout<Int>.size + 8
        guard received >= header + 4 else { throw .runtime("the runtime's message on the console socket carried no terminal") }
        let (level, type, fd) = control.withUnsafeBytes { raw in
            (raw.load(fromByteOffset: MemoryLayout<Int>.size, as: Int32.self),
             raw.load(fromByteOffset: MemoryLayout<Int>.size + 4, as: Int32.self),
             raw.load(fromByteOffset: header, as: Int32.self))
        }
        guard level == SOL_SOCKET, type == 1 /* SCM_RIGHTS */, fd >= 0 else {
            throw .runtime("the runtime's message on the console socket carried no terminal")
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return POSIXFile(adopting: fd, path: "the container's terminal")
    }
}
