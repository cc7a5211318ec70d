import KleinArchive
import KleinOCI

/// config.md's `User` in its six forms — `user`, `uid`, `user:group`, `user:gid`, `uid:gid`,
/// `uid:group` — resolved against the image's own account files (conversion.md, "Config.User").
struct UserSpecification {
    let text: String

    /// The largest id Klein accepts: `4294967295` is `(uid_t)-1`, "no change" to the kernel.
    static let maximumID: UInt64 = 4_294_967_294

    /// A decimal id in range, or nil when `text` is not all digits. Nothing wraps: `4294967296` is
    /// not 0 (root), it is out of range.
    static func id(_ text: String) -> UInt32? {
        guard !text.isEmpty, text.count <= 10, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let value = UInt64(text), value <= maximumID else { return nil }
        return UInt32(value)
    }

    static func isNumeric(_ text: String) -> Bool { !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }

    /// The process user. A named user or group that the image does not have is an error; so is a
    /// numeric id out of range. The primary gid is always among `additionalGids`; a user named
    /// without a group also gets the groups that list it as a member.
    func resolve(in root: ContainedRoot) throws(RuntimeError) -> RuntimeSpec.User {
        guard !text.isEmpty else { return RuntimeSpec.User(uid: 0, gid: 0, additionalGids: [0]) }
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let user = parts[0]
        let group = parts.count == 2 ? parts[1] : nil
        guard !user.isEmpty, group?.isEmpty != true else {
            throw .image("User \"\(text)\" is not user, uid, user:group, user:gid, uid:gid or uid:group")
        }
        if let group, Self.isNumeric(user), Self.isNumeric(group) {
            let gid = try numeric(group, what: "gid")
            return RuntimeSpec.User(uid: try numeric(user, what: "uid"), gid: gid, additionalGids: [gid])
        }
        let files = try AccountFiles(root: root)
        let uid: UInt32
        var primaryGID: UInt32 = 0
        var account: AccountFiles.Account?
        if Self.isNumeric(user) {
            uid = try numeric(user, what: "uid")
            account = files.accounts?.first { $0.uid == uid }
        } else {
            guard let accounts = files.accounts else { throw .image("User \"\(text)\" names the user \"\(user)\", but the image has no /etc/passwd") }
            guard let found = accounts.first(where: { $0.name == user }) else { throw .image("User \"\(text)\": the image's /etc/passwd has no user \"\(user)\"") }
            account = found
            uid = found.uid
        }
        primaryGID = account?.gid ?? 0
        guard let group else {
            var gids = [primaryGID]
            if !Self.isNumeric(user), let groups = files.groups {
                for member in groups where member.members.contains(user) && !gids.contains(member.gid) { gids.append(member.gid) }
            }
            return RuntimeSpec.User(uid: uid, gid: primaryGID, additionalGids: gids)
        }
        let gid: UInt32
        if Self.isNumeric(group) {
            gid = try numeric(group, what: "gid")
        } else {
            guard let groups = files.groups else { throw .image("User \"\(text)\" names the group \"\(group)\", but the image has no /etc/group") }
            guard let found = groups.first(where: { $0.name == group }) else { throw .image("User \"\(text)\": the image's /etc/group has no group \"\(group)\"") }
            gid = found.gid
        }
        return RuntimeSpec.User(uid: uid, gid: gid, additionalGids: [gid])
    }

    private func numeric(_ digits: String, what: String) throws(RuntimeError) -> UInt32 {
        guard let value = Self.id(digits) else {
            throw .image("User \"\(text)\": \(what) \(digits) is out of range (0–\(Self.maximumID))")
        }
        return value
    }
}
