/// One member of a tar archive: the metadata of a USTAR header block, merged with any POSIX pax
/// extended header records and GNU long-name records that describe it.
///
/// Field meanings follow POSIX.1-2017 `pax`, "ustar Interchange Format" and "pax Extended Header".
public struct TarEntry: Hashable, Sendable {
    /// The file type, from the header's `typeflag` (ustar Interchange Format, typeflag values).
    public enum Kind: Sendable, Hashable {
        /// `0`, or the V7 / old-GNU `\0`, or `7` (contiguous file).
        case regular
        /// `5`.
        case directory
        /// `2`.
        case symlink
        /// `1`.
        case hardlink
        /// `3`.
        case characterDevice
        /// `4`.
        case blockDevice
        /// `6`.
        case fifo
    }

    /// The member name as stored (`prefix` + `/` + `name`, or the pax `path` record, or a GNU `L`
    /// record), byte for byte, without any normalization or decoding: `"etc/passwd"`, `"./usr/"`.
    public var path: BytePath
    /// The file type.
    public var kind: Kind
    /// Permission bits including setuid, setgid and sticky (`0o7777`); file-type bits are dropped.
    public var mode: UInt32
    /// The owner's numeric user ID.
    public var uid: Int64
    /// The owner's numeric group ID.
    public var gid: Int64
    /// The owner's user name (`uname`), informational: unpacking applies `uid` only. Bytes that are
    /// not UTF-8 are read as replacement characters.
    public var userName: String
    /// The owner's group name (`gname`), informational like `userName`.
    public var groupName: String
    /// Length of the contents in bytes; always 0 for kinds other than `.regular`.
    public var size: Int64
    /// Seconds since the epoch; may be negative (pax `mtime` record).
    public var modificationTime: Int64
    /// Target of a symlink, or the path of the member a hardlink refers to, byte for byte.
    public var linkTarget: BytePath
    /// Major device number, meaningful for `.characterDevice` and `.blockDevice` only.
    public var deviceMajor: Int64
    /// Minor device number, meaningful for `.characterDevice` and `.blockDevice` only.
    public var deviceMinor: Int64
    /// Extended attributes, from `SCHILY.xattr.<name>` pax records. Names are text: the reader
    /// refuses a name that is not UTF-8 (see `TarReader`).
    public var xattrs: [String: [UInt8]]

    /// An entry with the given fields; the defaults are a root-owned entry at the epoch.
    public init(
        path: BytePath,
        kind: Kind,
        mode: UInt32 = 0o644,
        size: Int64 = 0,
        uid: Int64 = 0,
        gid: Int64 = 0,
        userName: String = "",
        groupName: String = "",
        modificationTime: Int64 = 0,
        linkTarget: BytePath = "",
        deviceMajor: Int64 = 0,
        deviceMinor: Int64 = 0,
        xattrs: [String: [UInt8]] = [:]
    ) {
        self.path = path
        self.kind = kind
        self.mode = mode
        self.size = size
        self.uid = uid
        self.gid = gid
        self.userName = userName
        self.groupName = groupName
        self.modificationTime = modificationTime
        self.linkTarget = linkTarget
        self.deviceMajor = deviceMajor
        self.deviceMinor = deviceMinor
        self.xattrs = xattrs
    }
}
