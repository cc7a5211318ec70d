import Foundation
import Testing
@testable import KleinRegistry

/// What keeps a flood of wrong passwords from stalling the registry: failures counted per client,
/// refused unchecked past a burst, verified passwords remembered for a while.
@Suite struct AuthFloodTests {
    @Test func aClientMayFailABurstThenEarnsTriesBack() {
        let limiter = FailureLimiter(burst: 3, refill: .seconds(2))
        let start = ContinuousClock.now
        for _ in 0..<3 { #expect(limiter.take("198.18.0.7", now: start) == nil) }
        #expect(limiter.take("198.18.0.7", now: start) == 2, "refused for the two seconds the next try takes")
        #expect(limiter.take("198.18.0.8", now: start) == nil, "another client is not affected")
        #expect(limiter.take("198.18.0.7", now: start + .seconds(1)) == 1)
        #expect(limiter.take("198.18.0.7", now: start + .milliseconds(2100)) == nil, "one try earned")
        #expect(limiter.take("198.18.0.7", now: start + .milliseconds(2100)) != nil)
        limiter.giveBack("198.18.0.7", now: start + .milliseconds(2100))
        #expect(limiter.take("198.18.0.7", now: start + .milliseconds(2100)) == nil, "a success gives its try back")
    }

    @Test func trackedClientsAreBounded() {
        let limiter = FailureLimiter(burst: 2, refill: .seconds(1), capacity: 4)
        let start = ContinuousClock.now
        for client in 0..<4 { _ = limiter.take("c\(client)", now: start) }
        // Later, every bucket is full again: making room forgets them, so the new client fits.
        for _ in 0..<2 { #expect(limiter.take("c4", now: start + .seconds(5)) == nil) }
        #expect(limiter.take("c4", now: start + .seconds(5)) != nil)
        #expect(limiter.take("c0", now: start + .seconds(5)) == nil)
    }

    @Test func checksAreThrottledPerClientButARememberedPasswordPasses() async throws {
        let htpasswd = try AuthFixtures.htpasswd()
        // A day to earn a try back: bcrypt checks on a loaded machine can take minutes, and no try may
        // come back while the test runs (a clean-clone run once took 145 s here with a 60 s refill).
        let checks = PasswordChecks(width: 1, failures: FailureLimiter(burst: 2, refill: .seconds(86_400)))
        let (user, password) = AuthFixtures.passwords[0]
        #expect(await checks.check(user: user, password: password, client: "a", in: htpasswd) == .valid)
        for _ in 0..<2 { #expect(await checks.check(user: user, password: "wrong", client: "a", in: htpasswd) == .invalid) }
        guard case .throttled = await checks.check(user: user, password: "wrong", client: "a", in: htpasswd) else {
            Issue.record("the third failure in a row is refused unchecked")
            return
        }
        #expect(await checks.check(user: user, password: password, client: "a", in: htpasswd) == .valid,
                "a password verified before needs no check")
        let (other, otherPassword) = AuthFixtures.passwords[1]
        guard case .throttled = await checks.check(user: other, password: otherPassword, client: "a", in: htpasswd) else {
            Issue.record("an unverified password from a throttled client is not checked")
            return
        }
        #expect(await checks.check(user: other, password: otherPassword, client: "b", in: htpasswd) == .valid)
    }

    @Test func verifiedPasswordsAreRememberedBriefly() {
        let cache = VerificationCache(lifetime: .seconds(60))
        let start = ContinuousClock.now
        cache.insert(user: "u", password: "p", now: start)
        #expect(cache.contains(user: "u", password: "p", now: start + .seconds(59)))
        #expect(!cache.contains(user: "u", password: "p", now: start + .seconds(61)))
        #expect(!cache.contains(user: "u", password: "other", now: start))
    }

    @Test(arguments: [("127.0.0.1:5000", "127.0.0.1"), ("::1:41234", "::1"), ("-", "-")])
    func clientIsTheAddressWithoutThePort(remote: String, client: String) {
        #expect(PasswordChecks.client(ofRemote: remote) == client)
    }
}
