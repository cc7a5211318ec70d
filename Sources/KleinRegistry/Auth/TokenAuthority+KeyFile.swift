import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension TokenAuthority {
    /// Loads the PEM P-256 private key at `path`, or creates it.
    ///
    /// Creation writes the PEM (PKCS#8) to a fresh temporary file in the same
    /// directory with mode 0600, fsyncs it, then publishes it with `link(2)`
    /// (falling back to `rename(2)` where hard links are unsupported) and
    /// fsyncs the directory. The key file therefore never exists half
    /// written, and when two processes race to create it, the loser loads the
    /// winner's key instead of replacing it. An existing file that is not a
    /// valid key is an error, never overwritten.
    static func loadOrCreateKey(at path: String) throws(AuthError) -> P256.Signing.PrivateKey {
        if FileManager.default.fileExists(atPath: path) {
            return try loadKey(at: path)
        }
        let key = P256.Signing.PrivateKey()
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var random = SystemRandomNumberGenerator()
        let suffix = String(random.next(), radix: 16)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(suffix)").path
        try writeNew(Array(key.pemRepresentation.utf8), to: temporary, reportAs: path)
        defer { _ = unlink(temporary) }
        if link(temporary, path) != 0 {
            let linkError = errno
            if linkError == EEXIST { return try loadKey(at: path) }
            guard rename(temporary, path) == 0 else {
                throw AuthError.io(path: path, reason: "cannot create key file: \(String(cString: strerror(errno)))")
            }
        }
        syncDirectory(directory)
        return key
    }

    static func loadKey(at path: String) throws(AuthError) -> P256.Signing.PrivateKey {
        let pem = try AuthFile.readText(path)
        do {
            return try P256.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            throw AuthError.signingKey(path: path, reason: "not a PEM-encoded P-256 private key (\(error))")
        }
    }

    /// Creates `path` exclusively with mode 0600 and writes and fsyncs `bytes`.
    private static func writeNew(_ bytes: [UInt8], to path: String, reportAs target: String) throws(AuthError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw AuthError.io(path: target, reason: "cannot create key file: \(String(cString: strerror(errno)))")
        }
        var failure: String?
        if fchmod(fd, 0o600) != 0 { failure = "fchmod: \(String(cString: strerror(errno)))" }
        var written = 0
        while failure == nil, written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if result > 0 {
                written += result
            } else if result < 0, errno == EINTR {
                continue
            } else {
                failure = "write: \(String(cString: strerror(errno)))"
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = "fsync: \(String(cString: strerror(errno)))" }
        if close(fd) != 0, failure == nil { failure = "close: \(String(cString: strerror(errno)))" }
        if let failure {
            _ = unlink(path)
            throw AuthError.io(path: target, reason: "cannot write key file: \(failure)")
        }
    }

    /// Makes the new directory entry durable; best effort.
    private static func syncDirectory(_ directory: String) {
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        _ = close(fd)
    }
}
