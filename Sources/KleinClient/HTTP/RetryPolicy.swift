import Foundation

/// When and how long to wait before repeating a request that failed transiently: a 5xx or 429 answer,
/// or a connection that broke. Exponential backoff with jitter, and the server's `Retry-After` when given
/// (RFC 9110 section 10.2.3), capped so a hostile server cannot stall a transfer for long.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var attempts: Int
    /// The first backoff; each later one doubles, up to `maximumDelay`.
    public var initialDelay: Duration
    /// The longest backoff between attempts (a server's `Retry-After` may ask for up to three times this).
    public var maximumDelay: Duration

    /// A policy of `attempts` attempts in all (at least one), backing off from `initialDelay` up to `maximumDelay`.
    public init(attempts: Int = 5, initialDelay: Duration = .milliseconds(200), maximumDelay: Duration = .seconds(10)) {
        self.attempts = max(1, attempts)
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// No retries at all.
    public static let none = RetryPolicy(attempts: 1)

    /// Statuses worth retrying: the server is overloaded, rate limiting, or briefly failing.
    static func isTransient(status: Int) -> Bool {
        status == 429 || status == 500 || status == 502 || status == 503 || status == 504
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1): `Retry-After` when the server gave
    /// one, else `initialDelay * 2^(attempt-1)` with "equal jitter" (half fixed, half random).
    func delay(afterAttempt attempt: Int, retryAfter: String?) -> Duration {
        if let retryAfter, let seconds = Self.seconds(fromRetryAfter: retryAfter) {
            return min(.seconds(seconds), maximumDelay * 3)
        }
        let exponent = min(attempt - 1, 20)
        let base = min(initialDelay * (1 << exponent), maximumDelay)
        let half = base / 2
        return half + half * Double.random(in: 0...1)
    }

    /// `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 section 10.2.3).
    static func seconds(fromRetryAfter value: String, now: Date = Date()) -> Double? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed), seconds >= 0 { return Double(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}

extension RetryPolicy {
    /// Waits before attempt `attempt + 1`; a cancelled task stops waiting with an error.
    func pause(afterAttempt attempt: Int, retryAfter: String? = nil) async throws(ClientError) {
        do { try await Task.sleep(for: delay(afterAttempt: attempt, retryAfter: retryAfter)) } catch { throw .cancelled }
    }

    /// Runs a whole operation again while it fails transiently, up to `attempts` times; `beforeRetry`
    /// undoes what a failed attempt reported (e.g. its progress).
    func repeating<T>(_ operation: () async throws(ClientError) -> T, beforeRetry: () -> Void = {}) async throws(ClientError) -> T {
        var attempt = 1
        while true {
            do throws(ClientError) {
                return try await operation()
            } catch {
                guard error.isRetryable, attempt < attempts else { throw error }
                beforeRetry()
                try await pause(afterAttempt: attempt)
                attempt += 1
            }
        }
    }
}
