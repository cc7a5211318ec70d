import Crypto
import Synchronization

/// Remembers successful password verifications for a while (`lifetime`) so
/// repeated HTTP Basic requests do not pay for bcrypt each time.
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
    private let lifetime: Duration
    /// When each entry was verified.
    private let entries = Mutex<[Entry: ContinuousClock.Instant]>([:])

    init(capacity: Int = 4096, lifetime: Duration = .seconds(300)) {
        self.capacity = capacity
        self.lifetime = lifetime
    }

    func contains(user: String, password: String, now: ContinuousClock.Instant = .now) -> Bool {
        let entry = self.entry(user: user, password: password)
        return entries.withLock { $0[entry].map { now - $0 < lifetime } ?? false }
    }

    func insert(user: String, password: String, now: ContinuousClock.Instant = .now) {
        let entry = self.entry(user: user, password: password)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[entry] = now
        }
    }

    var count: Int { entries.withLock { $0.count } }

    private func entry(user: String, password: String) -> Entry {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(password.utf8), using: key)
        return Entry(user: user, digest: Array(mac))
    }
}
