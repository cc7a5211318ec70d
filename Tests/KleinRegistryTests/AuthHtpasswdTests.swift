import Foundation
import HummingbirdBcrypt
import Testing
@testable import KleinRegistry

@Suite struct AuthHtpasswdTests {
    static let aliceHash = Bcrypt.hash("wonderland", cost: 4)

    @Test func verifiesKnownUsersAndRejectsOthers() throws {
        let htpasswd = try AuthFixtures.htpasswd()
        #expect(htpasswd.users == ["ada", "rita", "walt"])
        #expect(htpasswd.verify(user: "rita", password: "reader-secret"))
        #expect(!htpasswd.verify(user: "rita", password: "writer-secret"))
        #expect(!htpasswd.verify(user: "rita", password: ""))
        #expect(!htpasswd.verify(user: "mallory", password: "reader-secret"))
        #expect(!htpasswd.verify(user: "rita", password: "reader-secret\u{0}extra"))
    }

    @Test func loadsFileWithCommentsBlankLinesAndCRLF() throws {
        try AuthFixtures.inTemporaryDirectory { directory in
            let path = directory + "/users.htpasswd"
            let text = "# users\r\n\r\n  \r\nalice:\(Self.aliceHash)\r\n# end\r\n"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let htpasswd = try Htpasswd(contentsOf: path)
            #expect(htpasswd.users == ["alice"])
            #expect(htpasswd.verify(user: "alice", password: "wonderland"))
        }
    }

    @Test(arguments: ["$2a$", "$2y$"])
    func acceptsOtherBcryptPrefixes(prefix: String) throws {
        let hash = prefix + Self.aliceHash.dropFirst(4)
        let htpasswd = try Htpasswd(contents: "alice:\(hash)\n", source: "p")
        #expect(htpasswd.verify(user: "alice", password: "wonderland"))
        #expect(!htpasswd.verify(user: "alice", password: "wonderlan"))
    }

    static let badLines: [(line: String, reason: String)] = {
        let hash: String = aliceHash
        let body = String(hash.dropFirst(7))  // salt and checksum of a cost-04 hash
        return [
            ("alice", "expected 'user:hash'"),
            (":" + hash, "empty user name"),
            ("al ice:" + hash, "whitespace"),
            ("alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "not a bcrypt hash"),
            ("alice:$apr1$salt$hash", "not a bcrypt hash"),
            ("alice:plaintext", "not a bcrypt hash"),
            ("alice:", "not a bcrypt hash"),
            ("alice:$2x$04$" + body, "unsupported bcrypt variant"),
            ("alice:" + String(hash.dropLast()), "59 characters"),
            ("alice:$2b$03$" + body, "cost 3"),
            ("alice:$2b$31$" + body, "cost 31"),
            ("alice:$2b$1x$" + body, "two digits"),
            ("alice:" + String(hash.dropLast()) + "!", "outside ./A-Za-z0-9"),
            ("ada:" + hash, "listed more than once"),
        ]
    }()

    @Test(arguments: badLines)
    func rejectsBadLinesWithLineNumbers(line: String, reason: String) {
        let text = "# comment\nada:\(Self.aliceHash)\n\(line)\nbob:\(Self.aliceHash)\n"
        #expect {
            try Htpasswd(contents: text, source: "/etc/klein/users")
        } throws: { error in
            guard case .htpasswd(let path, let lineNumber, let message) = error as? AuthError else { return false }
            return path == "/etc/klein/users" && lineNumber == 3 && message.contains(reason)
        }
    }

    @Test func errorDescriptionNamesFileAndLine() {
        let error = AuthError.htpasswd(path: "/etc/users", line: 7, reason: "bad")
        #expect(error.description == "/etc/users:7: bad")
    }

    @Test func missingFileIsAnIOError() {
        #expect(throws: AuthError.self) { try Htpasswd(contentsOf: "/nonexistent/klein/users") }
    }

    @Test func cachesOnlySuccessfulVerifications() throws {
        let htpasswd = try Htpasswd(contents: "alice:\(Self.aliceHash)\n", source: "p")
        #expect(htpasswd.cache.count == 0)
        #expect(!htpasswd.verify(user: "alice", password: "wrong"))
        #expect(htpasswd.cache.count == 0)
        #expect(htpasswd.verify(user: "alice", password: "wonderland"))
        #expect(htpasswd.cache.count == 1)
        #expect(htpasswd.verify(user: "alice", password: "wonderland"))
        #expect(htpasswd.cache.count == 1)
        #expect(!htpasswd.verify(user: "alice", password: "wonderland2"))
    }

    @Test func cacheIsKeyedByUserAndPassword() {
        let cache = VerificationCache(capacity: 2)
        cache.insert(user: "a", password: "x")
        #expect(cache.contains(user: "a", password: "x"))
        #expect(!cache.contains(user: "b", password: "x"))
        #expect(!cache.contains(user: "a", password: "y"))
        cache.insert(user: "b", password: "x")
        cache.insert(user: "c", password: "x")  // over capacity: starts afresh
        #expect(cache.count == 1)
        #expect(cache.contains(user: "c", password: "x"))
    }

    /// Cost 10 costs tens of milliseconds; 100 cached verifications must be
    /// cheaper than the first, uncached one.
    @Test func cachedVerificationSkipsBcrypt() throws {
        let hash = Bcrypt.hash("slow-secret", cost: 10)
        let htpasswd = try Htpasswd(contents: "slow:\(hash)\n", source: "p")
        let clock = ContinuousClock()
        let first = clock.measure { #expect(htpasswd.verify(user: "slow", password: "slow-secret")) }
        let cached = clock.measure {
            for _ in 0..<100 { #expect(htpasswd.verify(user: "slow", password: "slow-secret")) }
        }
        #expect(cached < first)
    }

    /// An unknown user pays a bcrypt of the file's cost, like a wrong password.
    @Test func unknownUserCostsABcrypt() throws {
        let hash = Bcrypt.hash("slow-secret", cost: 10)
        let htpasswd = try Htpasswd(contents: "slow:\(hash)\n", source: "p")
        let clock = ContinuousClock()
        let wrong = clock.measure { #expect(!htpasswd.verify(user: "slow", password: "nope")) }
        let unknown = clock.measure { #expect(!htpasswd.verify(user: "nobody", password: "nope")) }
        #expect(unknown * 20 > wrong, "without a dummy bcrypt an unknown user would answer thousands of times faster")
    }
}
