import KleinSystem
import CXattr
import KleinOCI
#if canImport(Glibc)
import Glibc
#endif

extension Unpacker {
    /// Longest entry path or hardlink target accepted, Linux's PATH_MAX: longer ones cannot be created
    /// anyway, and bounding them keeps the work per entry linear.
    static let maximumPathLength = 4096

    /// The path's components below the root; refuses absolute paths, `..` and over-long paths.
    /// `.` and empty components drop out. A bare `/` is the root itself, as `./` is (`umoci insert`
    /// writes it); `apply` accepts it only as a directory.
    static func components(of path: BytePath, layer: Int) throws(ArchiveError) -> [BytePath] {
        guard path.bytes.count <= maximumPathLength else {
            let start = BytePath(bytes: Array(path.bytes.prefix(64)))
            throw .unsafeEntry(layer: layer, entry: "\(start)…", reason: "path longer than \(maximumPathLength) bytes")
        }
        guard !path.isAbsolute || path.bytes.allSatisfy({ $0 == UInt8(ascii: "/") }) else {
            throw .unsafeEntry(layer: layer, entry: path.description, reason: "absolute paths are not allowed in layers")
        }
        let parts = path.components.filter { !$0.isDot }
        guard !parts.contains(where: \.isDotDot) else {
            throw .unsafeEntry(layer: layer, entry: path.description, reason: "\"..\" components are not allowed in layers")
        }
        return parts
    }

    func apply(_ entry: TarEntry, contents: TarReader, in layer: inout LayerApplication) throws(ArchiveError) {
        let components = try Self.components(of: entry.path, layer: layer.index)
        guard let name = components.last else {
            guard entry.kind == .directory else {
                throw .unsafeEntry(layer: layer.index, entry: entry.path.description, reason: "the root can only be a directory")
            }
            try applyMetadata(entry, parent: root.fd, name: ".", layer: &layer, components: [])
            return
        }
        let parentComponents = Array(components.dropLast())
        if let reserved = parentComponents.first(where: { $0.hasPrefix(Self.whiteoutPrefix) }) {
            throw .invalidLayerEntry(layer: layer.index, entry: entry.path.description, reason: "\"\(reserved)\" is a whiteout name and cannot be a directory")
        }
        if name.hasPrefix(Self.whiteoutPrefix) {
            try Self.validateWhiteout(entry, name: name, layer: layer.index)
            layer.whiteouts.append((entry, parentComponents, name))
            return
        }
        // layer.md forbids a path twice in one layer, but containerd, Docker, umoci and GNU tar apply
        // such layers with the later entry winning: so does Klein, with a warning.
        if !layer.paths.insert(LayerApplication.key(components)).inserted {
            layer.repeats += 1
            if layer.firstRepeat == nil { layer.firstRepeat = entry.path }
        }
        var chain: [FileIdentity] = []
        let parent = try resolve(parentComponents, create: true, entry: entry, layer: layer.index, chain: &chain)
        defer { close(parent) }
        layer.ancestorNodes.formUnion(chain)
        if let existing = statNoFollow(parent, name), !(entry.kind == .directory && isDirectory(existing)) {
            try remove(parent, name, entry: entry, layer: layer.index)
            if isDirectory(existing) { layer.forgetDirectories(atOrBelow: components) }
        }
        try create(entry, parent: parent, name: name, contents: contents, layer: layer.index)
        // A hardlink's node belongs to its target, which may come from a lower layer: it is not recorded.
        if entry.kind != .hardlink, let created = statNoFollow(parent, name) { layer.createdNodes.insert(FileIdentity(created)) }
        if entry.kind == .hardlink || ((entry.kind == .characterDevice || entry.kind == .blockDevice) && !canCreateDevices) { return }
        try applyMetadata(entry, parent: parent, name: name, layer: &layer, components: components)
    }

    var canCreateDevices: Bool { options.createDevices && geteuid() == 0 }

    private func create(_ entry: TarEntry, parent: Int32, name: BytePath, contents: TarReader, layer: Int) throws(ArchiveError) {
        let failure = { (operation: String) -> ArchiveError in
            .invalidLayerEntry(layer: layer, entry: entry.path.description, reason: "\(operation): \(String(cString: strerror(errno)))")
        }
        switch entry.kind {
        case .directory:
            guard name.withCString({ mkdirat(parent, $0, 0o700) }) == 0 || errno == EEXIST else { throw failure("mkdir") }
        case .regular:
            let fd = name.withCString { openat(parent, $0, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600) }
            guard fd >= 0 else { throw failure("create") }
            defer { close(fd) }
            try copyContents(from: contents, to: fd, entry: entry, layer: layer)
            try applyFileMetadata(entry, fd: fd, layer: layer)
        case .symlink:
            let status = entry.linkTarget.withCString { target in name.withCString { symlinkat(target, parent, $0) } }
            guard status == 0 else { throw failure("symlink") }
        case .hardlink:
            try createHardlink(entry, parent: parent, name: name, layer: layer)
        case .fifo:
            guard name.withCString({ mkfifoat(parent, $0, 0o600) }) == 0 else { throw failure("mkfifo") }
        case .characterDevice, .blockDevice:
            guard canCreateDevices else {
                warn("layer \(layer): skipped device \(entry.path) (devices are created only as root with device creation enabled)")
                return
            }
            let type = entry.kind == .characterDevice ? S_IFCHR : S_IFBLK
            let device = Self.device(major: entry.deviceMajor, minor: entry.deviceMinor)
            guard name.withCString({ mknodat(parent, $0, type | 0o600, device) }) == 0 else { throw failure("mknod") }
        }
    }

    private func createHardlink(_ entry: TarEntry, parent: Int32, name: BytePath, layer: Int) throws(ArchiveError) {
        let target = try Self.components(of: entry.linkTarget, layer: layer)
        guard let targetName = target.last else {
            throw .unsafeEntry(layer: layer, entry: entry.path.description, reason: "a hardlink cannot point at the root")
        }
        let targetParent: Int32
        do { targetParent = try root.openDirectory(Array(target.dropLast()), create: false) } catch {
            throw .invalidLayerEntry(layer: layer, entry: entry.path.description, reason: "hardlink target \"\(entry.linkTarget)\" does not exist (a link must come after its target)")
        }
        defer { close(targetParent) }
        guard let info = statNoFollow(targetParent, targetName) else {
            throw .invalidLayerEntry(layer: layer, entry: entry.path.description, reason: "hardlink target \"\(entry.linkTarget)\" does not exist (a link must come after its target)")
        }
        guard !isDirectory(info) else {
            throw .invalidLayerEntry(layer: layer, entry: entry.path.description, reason: "hardlink target \"\(entry.linkTarget)\" is a directory")
        }
        let status = targetName.withCString { target in name.withCString { linkat(targetParent, target, parent, $0, 0) } }
        guard status == 0 else {
            throw .invalidLayerEntry(layer: layer, entry: entry.path.description, reason: "link to \"\(entry.linkTarget)\": \(String(cString: strerror(errno)))")
        }
    }

    private func copyContents(from reader: TarReader, to fd: Int32, entry: TarEntry, layer: Int) throws(ArchiveError) {
        while true {
            let count = try reader.readContents(into: buffer)
            if count == 0 { return }
            do {
                try POSIXFile.writeAll(UnsafeRawBufferPointer(rebasing: buffer[..<count]), to: fd, path: "\(root.path)/\(entry.path)")
            } catch {
                throw .io(path: error.path, operation: "write", errno: error.errno)
            }
        }
    }

    /// Owner, then mode (so setuid survives), then xattrs (chown clears security.capability), on the open file.
    private func applyFileMetadata(_ entry: TarEntry, fd: Int32, layer: Int) throws(ArchiveError) {
        if options.applyOwnership, fchown(fd, uid_t(clamping: entry.uid), gid_t(clamping: entry.gid)) != 0 {
            throw .invalidLayerEntry(layer: layer, entry: entry.path.description, reason: "chown: \(String(cString: strerror(errno)))")
        }
        guard fchmod(fd, mode_t(entry.mode & 0o7777)) == 0 else {
            throw .invalidLayerEntry(layer: layer, entry: entry.path.description, reason: "chmod: \(String(cString: strerror(errno)))")
        }
        try setXattrs(entry, fd: fd, layer: layer)
    }

    private func applyMetadata(_ entry: TarEntry, parent: Int32, name: BytePath, layer: inout LayerApplication, components: [BytePath]) throws(ArchiveError) {
        let index = layer.index
        let failure = { (operation: String) -> ArchiveError in
            .invalidLayerEntry(layer: index, entry: entry.path.description, reason: "\(operation): \(String(cString: strerror(errno)))")
        }
        if entry.kind != .regular {
            if options.applyOwnership,
               name.withCString({ fchownat(parent, $0, uid_t(clamping: entry.uid), gid_t(clamping: entry.gid), AT_SYMLINK_NOFOLLOW) }) != 0 {
                throw failure("chown")
            }
            // Never a symlink here: this entry created the node itself, so fchmodat cannot be redirected.
            // Directories get their mode at the end of the layer, so a read-only one can still be filled.
            if entry.kind != .symlink && entry.kind != .directory, name.withCString({ fchmodat(parent, $0, mode_t(entry.mode & 0o7777), 0) }) != 0 {
                throw failure("chmod")
            }
            if entry.kind == .directory && !entry.xattrs.isEmpty {
                let fd = name.withCString { openat(parent, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
                guard fd >= 0 else { throw failure("open") }
                defer { close(fd) }
                try setXattrs(entry, fd: fd, layer: index)
            }
        }
        if entry.kind == .directory {
            layer.directories[LayerApplication.key(components)] = (components, entry.mode & 0o7777, entry.modificationTime)
        } else {
            try setTime(entry.modificationTime, parent: parent, name: name, entry: entry, layer: index)
        }
    }

    /// Only `security.capability` and `user.*` attributes are applied; others are reported and skipped.
    private func setXattrs(_ entry: TarEntry, fd: Int32, layer: Int) throws(ArchiveError) {
        for (key, value) in entry.xattrs.sorted(by: { $0.key < $1.key }) {
            guard key == "security.capability" || key.hasPrefix("user.") else {
                warn("layer \(layer): skipped extended attribute \(key) on \(entry.path)")
                continue
            }
            let status = value.withUnsafeBytes { fsetxattr(fd, key, $0.baseAddress, $0.count, 0) }
            guard status == 0 else {
                throw .invalidLayerEntry(layer: layer, entry: entry.path.description, reason: "setxattr \(key): \(String(cString: strerror(errno)))")
            }
        }
    }

    func setTime(_ seconds: Int64, parent: Int32, name: BytePath, entry: TarEntry, layer: Int) throws(ArchiveError) {
        var times = [timespec(tv_sec: Int(seconds), tv_nsec: 0), timespec(tv_sec: Int(seconds), tv_nsec: 0)]
        guard name.withCString({ utimensat(parent, $0, &times, AT_SYMLINK_NOFOLLOW) }) == 0 else {
            throw .invalidLayerEntry(layer: layer, entry: entry.path.description, reason: "utimensat: \(String(cString: strerror(errno)))")
        }
    }

    /// Directory modes and times go last, deepest first: a read-only directory can be filled before its
    /// mode is set, and creating children changes a directory's mtime. A directory replaced by something
    /// else later in the layer is skipped (opened with O_NOFOLLOW, never followed).
    func restoreDirectoryMetadata(_ layer: LayerApplication) throws(ArchiveError) {
        for (components, mode, mtime) in layer.directories.values.sorted(by: { $0.components.count > $1.components.count }) {
            let entry = TarEntry(path: components.isEmpty ? "." : BytePath(joining: components), kind: .directory)
            let parent = try resolve(Array(components.dropLast()), create: false, entry: entry, layer: layer.index)
            defer { close(parent) }
            let name = components.last ?? "."
            let directory = name.withCString { openat(parent, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            guard directory >= 0 else { continue }
            defer { close(directory) }
            guard fchmod(directory, mode_t(mode)) == 0 else {
                throw .invalidLayerEntry(layer: layer.index, entry: entry.path.description, reason: "chmod: \(String(cString: strerror(errno)))")
            }
            try setTime(mtime, parent: parent, name: name, entry: entry, layer: layer.index)
        }
    }

    func resolve(_ components: [BytePath], create: Bool, entry: TarEntry, layer: Int, chain: UnsafeMutablePointer<[FileIdentity]>? = nil) throws(ArchiveError) -> Int32 {
        do { return try root.openDirectory(components, create: create, chain: chain) } catch {
            throw .invalidLayerEntry(layer: layer, entry: entry.path.description, reason: "\(error.reason): \(String(cString: strerror(error.errno)))")
        }
    }

    func remove(_ parent: Int32, _ name: BytePath, entry: TarEntry, layer: Int) throws(ArchiveError) {
        do { try removeTree(parent, name) } catch {
            throw .invalidLayerEntry(layer: layer, entry: entry.path.description, reason: "\(error.reason): \(String(cString: strerror(error.errno)))")
        }
    }

    /// Linux's `makedev`: 12 bits of major and 20 of minor in the classic positions, the rest above.
    static func device(major: Int64, minor: Int64) -> dev_t {
        let major = UInt64(truncatingIfNeeded: major), minor = UInt64(truncatingIfNeeded: minor)
        return dev_t(((major & 0xFFFF_F000) << 32) | ((major & 0xFFF) << 8) | ((minor & 0xFFFF_FF00) << 12) | (minor & 0xFF))
    }
}
