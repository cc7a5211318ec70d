import Crypto
import Synchronization

/// Remembers successful password verifications so repeated HTTP Basic
/// requests do not pay for bcrypt each time.
///
/// Entries are keyed by the user and an HMAC-SHA-256 of the password under a
/// random per-process key: the password itself is never stored, and the
/// digests are useless outside this process. Only successes are cached, and
/// the set is cleared when it reaches `capacity`, so memory stays bounded.
final class VerificationCache: Sendable {
    private struct Entry: Hashable {
        let user: String
        let digest: [UInt8]
    }

    private let key = SymmetricKey(size: .bits256)
    private let capacity: Int
    private let entries = Mutex<Set<Entry>>([])

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    func contains(user: String, password: String) -> Bool {
        let entry = self.entry(user: user, password: password)
        return entries.withLock { $0.contains(entry) }
    }

    func insert(user: String, password: String) {
        let entry = self.entry(user: user, password: password)
        entries.withLock { set in
            if set.count >= capacity { set.removeAll(keepingCapacity: true) }
            set.insert(entry)
        }
    }

    var count: Int { entries.withLock { $0.count } }

    private func entry(user: String, password: String) -> Entry {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(password.utf8), using: key)
        return Entry(user: user, digest: Array(mac))
    }
}
