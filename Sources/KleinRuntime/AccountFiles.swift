import KleinArchive

/// An image's `/etc/passwd` and `/etc/group`, read inside its root file system: symlinks resolve in
/// the root, only regular files are read, each at most `sizeLimit` bytes.
struct AccountFiles {
    struct Account {
        let name: String
        let uid: UInt32
        let gid: UInt32
    }

    struct Group {
        let name: String
        let gid: UInt32
        let members: [String]
    }

    static let sizeLimit = 4 << 20
    /// Nil when the image has no such file.
    let accounts: [Account]?
    let groups: [Group]?

    init(root: ContainedRoot) throws(RuntimeError) {
        accounts = try Self.lines(of: "/etc/passwd", in: root).map { lines in
            lines.compactMap { fields in
                guard fields.count >= 4, let uid = UserSpecification.id(fields[2]), let gid = UserSpecification.id(fields[3]) else { return nil }
                return Account(name: fields[0], uid: uid, gid: gid)
            }
        }
        groups = try Self.lines(of: "/etc/group", in: root).map { lines in
            lines.compactMap { fields in
                guard fields.count >= 3, let gid = UserSpecification.id(fields[2]) else { return nil }
                let members = fields.count > 3 ? fields[3].split(separator: ",").map(String.init) : []
                return Group(name: fields[0], gid: gid, members: members)
            }
        }
    }

    /// The colon-separated fields of each line that is not empty or a comment; lines whose ids do not
    /// parse are skipped by the callers, as glibc skips them.
    private static func lines(of path: String, in root: ContainedRoot) throws(RuntimeError) -> [[String]]? {
        let bytes: [UInt8]?
        do { bytes = try root.readFile(path, limit: sizeLimit) } catch {
            throw .unsafeImage("cannot read the image's \(path): \(error)")
        }
        guard let bytes else { return nil }
        // Split on bytes: as Characters, "\r\n" is one and would never match "\n".
        return bytes.split(separator: UInt8(ascii: "\n")).compactMap { line in
            let text = String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
            guard !text.isEmpty, !text.hasPrefix("#"), !text.hasPrefix("+"), !text.hasPrefix("-") else { return nil }
            return text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        }
    }
}
