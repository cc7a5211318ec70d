import KleinOCI
import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

/// Turns a directory tree into an OCI layer, deterministically (DESIGN.md, "Determinism rules").
///
/// - Order: entries sorted by the bytes of their path relative to the tree (so every directory
///   precedes its contents); directory names end in `/`; the root itself is not an entry. Names are
///   the directory entries' exact bytes, UTF-8 or not.
/// - Times: every mtime is the epoch (`SOURCE_DATE_EPOCH` or the caller's), never the file's own.
/// - Ownership: uid/gid 0 and empty names; modes 0755 for directories and executable files, 0644 for
///   other files, 0777 for symlinks, independent of umask. `preserveMetadata` keeps the tree's own
///   permission bits (setuid, sticky) and owners instead, as `umoci repack` does.
/// - Hardlinks: the first path of an inode in sort order holds the content, later ones link to it.
/// - Extended attributes: only `security.capability`.
public struct LayerWriter {
    /// How the tar stream is compressed.
    public var compression: LayerCompression
    /// The modification time of every entry, in seconds since the epoch.
    public var epoch: Int64
    /// Keep the tree's permission bits and owners instead of the derived ones.
    public var preserveMetadata: Bool

    /// A writer with the given settings.
    public init(compression: LayerCompression = .gzip, epoch: Int64 = 0, preserveMetadata: Bool = false) {
        self.compression = compression
        self.epoch = epoch
        self.preserveMetadata = preserveMetadata
    }

    /// What a written layer is: its blob digest and size, its `diff_id`, and its media type.
    public struct Result: Sendable, Hashable {
        /// The digest of the layer blob (compressed).
        public let digest: Digest
        /// The digest of the uncompressed tar stream.
        public let diffID: Digest
        /// The size of the layer blob in bytes.
        public let size: Int64
        /// The layer's media type.
        public let mediaType: MediaType

        /// A result with the given values.
        public init(digest: Digest, diffID: Digest, size: Int64, mediaType: MediaType) {
            self.digest = digest
            self.diffID = diffID
            self.size = size
            self.mediaType = mediaType
        }
    }

    /// Writes the layer for the tree at `directory` into `sink`, hashing both digests in the same pass.
    public func write(directory: String, to sink: ByteSink) throws(ArchiveError) -> Result {
        let stream = try LayerStream(compression: compression, to: sink)
        let tar = TarWriter(sink: stream.input)
        var firstPathOfInode: [InodeKey: BytePath] = [:]
        let scanner = TreeScanner(root: directory)
        for item in try scanner.scan() {
            try append(item, fullPath: scanner.fullPath(item.path), to: tar, links: &firstPathOfInode)
        }
        try tar.finish()
        return stream.result
    }

    private func append(_ item: TreeScanner.Item, fullPath: BytePath, to tar: TarWriter, links: inout [InodeKey: BytePath]) throws(ArchiveError) {
        let info = item.status
        let type = info.st_mode & S_IFMT
        var entry = TarEntry(path: type == S_IFDIR ? item.path + "/" : item.path, kind: .regular, modificationTime: epoch)
        if preserveMetadata {
            entry.mode = UInt32(info.st_mode & 0o7777)
            entry.uid = Int64(info.st_uid)
            entry.gid = Int64(info.st_gid)
        }
        switch type {
        case S_IFDIR:
            entry.kind = .directory
            if !preserveMetadata { entry.mode = 0o755 }
        case S_IFLNK:
            entry.kind = .symlink
            entry.mode = 0o777
            entry.linkTarget = try TreeScanner.readLink(fullPath)
        case S_IFREG:
            if info.st_nlink > 1 {
                let key = InodeKey(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
                if let first = links[key] {
                    entry.kind = .hardlink
                    entry.linkTarget = first
                    if !preserveMetadata { entry.mode = Self.derivedMode(info) }
                    return try tar.append(entry, contents: nil)
                }
                links[key] = item.path
            }
            if !preserveMetadata { entry.mode = Self.derivedMode(info) }
            entry.size = Int64(info.st_size)
            if let capability = TreeScanner.capability(of: fullPath) { entry.xattrs = ["security.capability": capability] }
            return try tar.append(entry, contents: try Self.open(fullPath))
        case S_IFCHR, S_IFBLK:
            entry.kind = type == S_IFCHR ? .characterDevice : .blockDevice
            entry.deviceMajor = Int64((UInt64(info.st_rdev) >> 8) & 0xFFF | (UInt64(info.st_rdev) >> 32) & 0xFFFF_F000)
            entry.deviceMinor = Int64(UInt64(info.st_rdev) & 0xFF | (UInt64(info.st_rdev) >> 12) & 0xFFFF_FF00)
            if !preserveMetadata { entry.mode = 0o644 }
        case S_IFIFO:
            entry.kind = .fifo
            if !preserveMetadata { entry.mode = 0o644 }
        default:
            return  // sockets cannot be archived
        }
        try tar.append(entry, contents: nil)
    }

    /// The file at `path`, opened for sequential reading.
    private static func open(_ path: BytePath) throws(ArchiveError) -> FileSource {
        let fd = path.withCString { Glibc.open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw .io(path: path.description, operation: "open", errno: errno) }
        let file = POSIXFile(adopting: fd, path: path.description)
        file.adviseSequential()
        return FileSource(file)
    }

    /// 0755 when any execute bit is set, else 0644.
    static func derivedMode(_ info: stat) -> UInt32 { info.st_mode & 0o111 != 0 ? 0o755 : 0o644 }
}

struct InodeKey: Hashable {
    let device: UInt64
    let inode: UInt64
}
