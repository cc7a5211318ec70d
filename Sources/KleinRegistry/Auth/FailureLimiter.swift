import Synchronization

/// Password checks per client (a token bucket each): a check spends one of the client's tries and a
/// success gives it back, so a client may fail `burst` times in a row (or have that many checks
/// waiting) and earns another try every `refill`; past that, its checks are refused without running
/// bcrypt until the next try is earned, so a password-guessing flood costs the server almost nothing.
/// At most `capacity` clients are tracked; when that is reached, those with a full bucket are forgotten.
final class FailureLimiter: Sendable {
    private struct Bucket {
        var tries: Double
        var updated: ContinuousClock.Instant
    }

    let burst: Double
    let refill: Duration
    let capacity: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    init(burst: Int = 10, refill: Duration = .seconds(3), capacity: Int = 4096) {
        self.burst = Double(burst)
        self.refill = refill
        self.capacity = capacity
    }

    /// Spends one of `client`'s tries on a check; returns nil when it had one, else the seconds until it has.
    func take(_ client: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { buckets in
            if buckets[client] == nil, buckets.count >= capacity {
                buckets = buckets.filter { refilled($0.value, now: now).tries < burst }
            }
            var bucket = buckets[client].map { refilled($0, now: now) } ?? Bucket(tries: burst, updated: now)
            guard bucket.tries >= 1 else {
                buckets[client] = bucket
                return max(1, Int(((1 - bucket.tries) * seconds(refill)).rounded(.up)))
            }
            bucket.tries -= 1
            buckets[client] = bucket
            return nil
        }
    }

    /// Gives back the try a successful check spent.
    func giveBack(_ client: String, now: ContinuousClock.Instant = .now) {
        buckets.withLock { buckets in
            guard var bucket = buckets[client].map({ refilled($0, now: now) }) else { return }
            bucket.tries = min(burst, bucket.tries + 1)
            buckets[client] = bucket
        }
    }

    private func refilled(_ bucket: Bucket, now: ContinuousClock.Instant) -> Bucket {
        let earned = seconds(now - bucket.updated) / seconds(refill)
        return Bucket(tries: min(burst, bucket.tries + earned), updated: now)
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
