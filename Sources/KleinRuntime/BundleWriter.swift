import KleinArchive
import KleinOCI
import KleinStore
import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

/// Carries out a `BundlePlan` in a bundle directory whose `rootfs/` holds the unpacked image, and
/// writes its `config.json`.
public struct BundleWriter {
    /// The bundle directory.
    public let directory: String

    /// A secret bundle may hold this many files, each at most `secretFileLimit` bytes.
    static let secretFileCount = 256
    static let secretFileLimit = 1 << 20

    /// A writer for the bundle in `directory`.
    public init(directory: String) { self.directory = directory }

    /// The bundle's root file system, `<directory>/rootfs`.
    public var rootfs: String { "\(directory)/rootfs" }

    /// Carries out the plan's preparations: directories in the root file system, volumes, secrets.
    public func prepare(_ plan: BundlePlan) throws(RuntimeError) {
        let root = try RuntimeError.wrap { try ContainedRoot(path: rootfs) }
        for preparation in plan.preparations {
            switch preparation {
            case let .directory(path):
                do { try root.makeDirectories(path) } catch { throw .unsafeImage("cannot create a directory in the root file system: \(error)") }
            case let .anonymousVolume(source, uid, gid, permissions):
                try makeDirectory("\(directory)/volumes", mode: 0o700)
                let path = "\(directory)/\(source)"
                try makeDirectory(path, mode: permissions & 0o7777)
                guard chown(path, uid, gid) == 0, chmod(path, mode_t(permissions & 0o7777)) == 0 else {
                    throw .io(path: path, operation: "set the owner and mode of", errno: errno)
                }
            case let .namedVolume(hostPath, uid, gid):
                try makeNamedVolume(hostPath, uid: uid, gid: gid)
            case let .secret(hostPath, source, mode, uid, gid):
                try copySecret(from: hostPath, to: "\(directory)/\(source)", mode: mode, uid: uid, gid: gid)
            }
        }
    }

    /// `config.json`, indented as `runc spec` writes it, readable by the owner only.
    public func writeConfig(_ spec: RuntimeSpec) throws(RuntimeError) {
        try writeFile("\(directory)/config.json", bytes: spec.jsonValue.indentedBytes, mode: 0o600, uid: nil, gid: nil, replace: true)
    }

    private func makeDirectory(_ path: String, mode: UInt32) throws(RuntimeError) {
        guard mkdir(path, mode_t(mode)) == 0 || errno == EEXIST else { throw .io(path: path, operation: "create directory", errno: errno) }
    }

    /// `<volumes>/<app>/<name>`: the volumes directory is the node's; below it nothing may be a symlink.
    /// A volume made now is given to the container's user; an existing one keeps its owner.
    private func makeNamedVolume(_ hostPath: String, uid: UInt32, gid: UInt32) throws(RuntimeError) {
        let parts = hostPath.split(separator: "/").map(String.init)
        let base = "/" + parts.dropLast(2).joined(separator: "/")
        try RuntimeError.wrap { try FileSystem.makeDirectories(base) }
        let isNew = access(hostPath, F_OK) != 0
        do {
            try ContainedRoot(path: base).makeDirectories(parts.suffix(2).joined(separator: "/"))
        } catch {
            throw .deployment("the named volume directory \(hostPath): \(error)")
        }
        if isNew && lchown(hostPath, uid, gid) != 0 { throw .io(path: hostPath, operation: "set the owner of", errno: errno) }
    }

    /// The regular files of the node's secret bundle, copied with the declared mode and owner. Symlinks,
    /// directories and other files in the bundle are refused, so a secret never names another host file.
    private func copySecret(from hostPath: String, to target: String, mode: UInt32, uid: UInt32, gid: UInt32) throws(RuntimeError) {
        var info = stat()
        guard lstat(hostPath, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw .deployment("the secret bundle \(hostPath) is not a directory on this node (its files become the secret)")
        }
        let secrets: ContainedRoot
        let names: [String]
        do {
            secrets = try ContainedRoot(path: hostPath)
            names = try secrets.names(inDirectory: "/")
        } catch {
            throw .deployment("the secret bundle \(hostPath): \(error)")
        }
        guard names.count <= Self.secretFileCount else {
            throw .deployment("the secret bundle \(hostPath) holds \(names.count) files; at most \(Self.secretFileCount) are accepted")
        }
        try makeDirectory("\(directory)/secrets", mode: 0o700)
        try makeDirectory(target, mode: 0o755)
        for name in names {
            let bytes: [UInt8]
            do {
                guard secrets.status(ofEntry: name)?.kind == .regular, let read = try secrets.readFile(name, limit: Self.secretFileLimit) else {
                    throw ArchiveError.unsafePath(path: name, reason: "is not a regular file")
                }
                bytes = read
            } catch {
                throw .deployment("the secret bundle \(hostPath): \(error)")
            }
            try writeFile("\(target)/\(name)", bytes: bytes, mode: mode, uid: uid, gid: gid, replace: false)
        }
    }

    /// Writes a new file without following a symlink at `path`; the owner is set before the mode.
    private func writeFile(_ path: String, bytes: [UInt8], mode: UInt32, uid: UInt32?, gid: UInt32?, replace: Bool) throws(RuntimeError) {
        let file: POSIXFile
        do throws(SystemError) {
            file = try POSIXFile.open(path, flags: O_WRONLY | O_CREAT | O_NOFOLLOW | (replace ? O_TRUNC : O_EXCL), mode: 0o600)
        } catch {
            throw .io(path: path, operation: "create", errno: error.errno)
        }
        do { try file.writeAll(bytes) } catch { throw .system(error) }
        let fd = file.fd
        if let uid, let gid, fchown(fd, uid, gid) != 0 { throw .io(path: path, operation: "set the owner of", errno: errno) }
        guard fchmod(fd, mode_t(mode)) == 0 else { throw .io(path: path, operation: "set the mode of", errno: errno) }
    }
}
