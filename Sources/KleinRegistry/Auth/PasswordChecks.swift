import KleinSystem

/// Where the registry checks passwords, so that a flood of wrong ones cannot stall it: bcrypt (slow on
/// purpose) runs on threads of its own, `width` at once, never on Swift's shared pool or NIO's event
/// loops; a password verified lately is known without bcrypt (``VerificationCache``); and a client
/// that keeps failing is refused without a check until it earns another try (``FailureLimiter``).
final class PasswordChecks: Sendable {
    /// The answer for one pair of credentials.
    enum Verdict: Sendable, Equatable {
        case valid
        case invalid
        /// The client failed too often: refused unchecked; it may try again after this many seconds.
        case throttled(retryAfter: Int)
    }

    private let workers: WorkerThreads
    let failures: FailureLimiter

    init(width: Int, failures: FailureLimiter = FailureLimiter()) {
        workers = WorkerThreads(count: width)
        self.failures = failures
    }

    func check(user: String, password: String, client: String, in htpasswd: Htpasswd) async -> Verdict {
        if htpasswd.cache.contains(user: user, password: password) { return .valid }
        // A check waiting for a thread spends a try too: a client cannot queue more than it may fail.
        if let wait = failures.take(client) { return .throttled(retryAfter: wait) }
        let valid = await withCheckedContinuation { continuation in
            workers.submit { continuation.resume(returning: htpasswd.verify(user: user, password: password)) }
        }
        if valid { failures.giveBack(client) }
        return valid ? .valid : .invalid
    }

    /// The client part of a connection's `address:port` (IPv6 addresses hold colons too).
    static func client(ofRemote remote: String) -> String {
        remote.lastIndex(of: ":").map { String(remote[..<$0]) } ?? remote
    }
}
