import Crypto
import Foundation
import Testing
@testable import KleinRegistry

@Suite struct AuthTokenTests {
    static let now = Date(timeIntervalSince1970: 1_714_564_800)  // 2024-05-01T12:00:00Z
    static let access = [AccessScope.repository("team/app", "pull", "push"), .catalog]

    @Test func issueValidateRoundTrip() async throws {
        let authority = AuthFixtures.authority()
        let issued = try await authority.issue(subject: "alice", audience: "svc", access: Self.access, now: Self.now)
        #expect(issued.expiresIn == 300)
        #expect(issued.issuedAt == "2024-05-01T12:00:00Z")
        let claims = try await authority.validate(issued.token, audience: "svc", now: Self.now)
        #expect(claims.subject == "alice")
        #expect(claims.access == Self.access)
    }

    @Test func headerAndClaimsAreCanonical() async throws {
        let authority = AuthFixtures.authority()
        let issued = try await authority.issue(subject: "alice", audience: "svc", access: [.repository("a/b", "pull")], lifetime: 120, now: Self.now)
        #expect(!issued.token.contains("="))
        #expect(AuthFixtures.jsonPart(issued.token, 0) == #"{"alg":"ES256","kid":"\#(authority.keyID)","typ":"JWT"}"#)
        let claims = AuthFixtures.jsonPart(issued.token, 1)
        #expect(claims.hasPrefix(#"{"access":[{"actions":["pull"],"name":"a/b","type":"repository"}],"aud":"svc","exp":1714564920,"iat":1714564800,"iss":"klein-test","jti":""#))
        #expect(claims.hasSuffix(#"","nbf":1714564800,"sub":"alice"}"#))
        let signature = issued.token.split(separator: ".")[2]
        #expect(AuthFixtures.base64URLDecoded(signature)?.count == 64)
        let other = try await authority.issue(subject: "alice", audience: "svc", access: [], now: Self.now)
        let jti = { (token: String) in AuthFixtures.object(Array(AuthFixtures.jsonPart(token, 1).utf8))["jti"] as? String }
        #expect(jti(issued.token) != nil)
        #expect(jti(issued.token) != jti(other.token))
    }

    /// RFC 7638: thumbprint over {"crv","kty","x","y"} computed here from the
    /// X9.63 encoding, independently of the implementation.
    @Test func keyIDIsJWKThumbprint() {
        let key = P256.Signing.PrivateKey()
        let x963 = Array(key.publicKey.x963Representation)
        let encode = { (bytes: ArraySlice<UInt8>) in
            Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let jwk = #"{"crv":"P-256","kty":"EC","x":"\#(encode(x963[1..<33]))","y":"\#(encode(x963[33..<65]))"}"#
        let expected = encode(ArraySlice(SHA256.hash(data: Array(jwk.utf8))))
        #expect(TokenAuthority(privateKey: key, issuer: "i").keyID == expected)
        #expect(expected.count == 43)
    }

    @Test func rejectsTamperedSignature() async throws {
        let authority = AuthFixtures.authority()
        let token = try await authority.issue(subject: "alice", audience: "svc", access: Self.access, now: Self.now).token
        var parts = token.split(separator: ".").map(String.init)
        var signature = Array(parts[2])
        signature[10] = signature[10] == "A" ? "B" : "A"
        parts[2] = String(signature)
        await #expect(throws: AuthError.invalidToken(part: "signature", reason: "signature does not verify")) {
            try await authority.validate(parts.joined(separator: "."), audience: "svc", now: Self.now)
        }
    }

    /// Every issued signature has s ≤ n/2, and the same signature with s replaced by n − s (which
    /// verifies mathematically: ECDSA is malleable) is refused, so a token has one encoding only.
    @Test func onlyLowSSignaturesAreIssuedAndAccepted() async throws {
        let authority = AuthFixtures.authority()
        let half = TokenAuthority.halfGroupOrder, order = TokenAuthority.groupOrder
        for round in 0..<24 {
            let token = try await authority.issue(subject: "alice", audience: "svc", access: Self.access, now: Self.now).token
            var parts = token.split(separator: ".").map(String.init)
            let signature = try #require(AuthFixtures.base64URLDecoded(Substring(parts[2])))
            let s = Array(signature[32...])
            #expect(!half.lexicographicallyPrecedes(s), "round \(round): an issued signature is high-S")
            // n − s, computed here with a borrow loop of its own.
            var flipped = [UInt8](repeating: 0, count: 32), borrow = 0
            for index in (0..<32).reversed() {
                let difference = Int(order[index]) - Int(s[index]) - borrow
                flipped[index] = UInt8((difference + 256) % 256)
                borrow = difference < 0 ? 1 : 0
            }
            parts[2] = TokenAuthority.base64URL(Array(signature[..<32]) + flipped)
            await #expect(throws: AuthError.invalidToken(part: "signature", reason: "high S value (the second encoding of an ECDSA signature)")) {
                try await authority.validate(parts.joined(separator: "."), audience: "svc", now: Self.now)
            }
            _ = try await authority.validate(token, audience: "svc", now: Self.now)
        }
    }

    @Test func rejectsSwappedClaims() async throws {
        let authority = AuthFixtures.authority()
        let weak = try await authority.issue(subject: "eve", audience: "svc", access: [.repository("a", "pull")], now: Self.now).token
        let strong = try await authority.issue(subject: "root", audience: "svc", access: [.repository("a", "*")], now: Self.now).token
        let w = weak.split(separator: "."), s = strong.split(separator: ".")
        let forged = [w[0], s[1], w[2]].joined(separator: ".")
        await #expect(throws: AuthError.self) { try await authority.validate(forged, audience: "svc", now: Self.now) }
    }

    @Test func rejectsTokenOfAnotherKeyOrIssuer() async throws {
        let key = P256.Signing.PrivateKey()
        let ours = TokenAuthority(privateKey: key, issuer: "klein")
        let otherKey = try await AuthFixtures.authority().issue(subject: "a", audience: "svc", access: [], now: Self.now).token
        let otherIssuer = try await TokenAuthority(privateKey: key, issuer: "someone-else")
            .issue(subject: "a", audience: "svc", access: [], now: Self.now).token
        await #expect(throws: AuthError.invalidToken(part: "header", reason: "unknown key id")) {
            try await ours.validate(otherKey, audience: "svc", now: Self.now)
        }
        await #expect(throws: AuthError.self) { try await ours.validate(otherIssuer, audience: "svc", now: Self.now) }
    }

    @Test(arguments: [
        (-10.0, true), (299.0, true), (359.0, true), (361.0, false), (-59.0, true), (-61.0, false), (100_000.0, false),
    ])
    func expiryAndNotBeforeWithLeeway(offset: Double, valid: Bool) async throws {
        let authority = AuthFixtures.authority()
        let token = try await authority.issue(subject: "a", audience: "svc", access: [], now: Self.now).token
        let succeeded = (try? await authority.validate(token, audience: "svc", now: Self.now.addingTimeInterval(offset))) != nil
        #expect(succeeded == valid)
    }

    @Test func rejectsWrongAudience() async throws {
        let authority = AuthFixtures.authority()
        let token = try await authority.issue(subject: "a", audience: "svc", access: [], now: Self.now).token
        await #expect(throws: AuthError.invalidToken(part: "claims", reason: "audience is not \"other\"")) {
            try await authority.validate(token, audience: "other", now: Self.now)
        }
    }

    static func encodedPart(_ json: String) -> String { TokenAuthority.base64URL(Array(json.utf8)) }

    @Test(arguments: [
        "", ".", "..", "...", "a", "a.b", "a.b.c", "a.b.c.d", "====.====.====", "é.é.é",
        String(repeating: "A", count: 70_000),
        encodedPart("not json") + ".e30.AAAA",
        encodedPart(#"{"alg":"none","typ":"JWT"}"#) + ".e30.",
        encodedPart(#"{"alg":"HS256","typ":"JWT"}"#) + ".e30.AAAA",
        encodedPart(#"{"alg":"ES256"}"#) + ".e30." + String(repeating: "A", count: 86),
        encodedPart(#"[1,2,3]"#) + ".e30.AAAA",
        encodedPart(#"{"alg":"ES256","kid":7}"#) + ".e30.AAAA",
    ])
    func rejectsGarbage(token: String) async {
        let authority = AuthFixtures.authority()
        await #expect(throws: AuthError.self) { try await authority.validate(token, audience: "svc", now: Self.now) }
    }

    @Test func rejectsValidlySignedButMalformedClaims() async throws {
        let authority = AuthFixtures.authority()
        let header = Self.encodedPart(#"{"alg":"ES256","kid":"\#(authority.keyID)","typ":"JWT"}"#)
        for claims in [#"{"iss":"klein-test"}"#, #"{"exp":1e400}"#, "[]", "null"] {
            let input = header + "." + Self.encodedPart(claims)
            let signature = try authority.privateKey.signature(for: Data(input.utf8)).rawRepresentation
            let token = input + "." + TokenAuthority.base64URL(signature)
            await #expect(throws: AuthError.self) { try await authority.validate(token, audience: "svc", now: Self.now) }
        }
    }

    @Test func acceptsAudienceArray() async throws {
        let authority = AuthFixtures.authority()
        let header = Self.encodedPart(#"{"alg":"ES256","kid":"\#(authority.keyID)"}"#)
        let claims = #"{"access":[],"aud":["x","svc"],"exp":1714565100,"iat":1714564800,"iss":"klein-test","jti":"j","nbf":1714564800,"sub":"bob"}"#
        let input = header + "." + Self.encodedPart(claims)
        let signature = try authority.privateKey.signature(for: Data(input.utf8)).rawRepresentation
        // Signed here, not by `issue`: normalized to low S as `issue` does, or half the runs would be refused for it.
        let token = TokenAuthority.withLowS(input + "." + TokenAuthority.base64URL(signature))
        #expect(try await authority.validate(token, audience: "svc", now: Self.now).subject == "bob")
    }

    @Test func keyFileIsCreatedPrivateAndReused() async throws {
        var loaded: (first: TokenAuthority, second: TokenAuthority)?
        try AuthFixtures.inTemporaryDirectory { directory in
            let path = directory + "/token.pem"
            let first = try TokenAuthority(keyFile: path, issuer: "klein")
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["token.pem"])
            let second = try TokenAuthority(keyFile: path, issuer: "klein")
            #expect(first.keyID == second.keyID)
            loaded = (first, second)
        }
        let (first, second) = try #require(loaded)
        let token = try await first.issue(subject: "a", audience: "svc", access: [], now: Self.now).token
        #expect(try await second.validate(token, audience: "svc", now: Self.now).subject == "a")
    }

    /// `openssl ecparam -genkey -noout` writes SEC1 "EC PRIVATE KEY" PEM
    /// (RFC 5915); built here by hand from the raw key.
    @Test func loadsSEC1PEMKeys() throws {
        let key = P256.Signing.PrivateKey()
        var der: [UInt8] = [0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20] + Array(key.rawRepresentation)
        der += [0xA0, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
        der += [0xA1, 0x44, 0x03, 0x42, 0x00] + Array(key.publicKey.x963Representation)
        let pem = "-----BEGIN EC PRIVATE KEY-----\n"
            + Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            + "\n-----END EC PRIVATE KEY-----\n"
        try AuthFixtures.inTemporaryDirectory { directory in
            let path = directory + "/ec.pem"
            try pem.write(toFile: path, atomically: true, encoding: .utf8)
            let loaded = try TokenAuthority(keyFile: path, issuer: "i")
            #expect(loaded.keyID == TokenAuthority(privateKey: key, issuer: "i").keyID)
        }
    }

    @Test func invalidKeyFileIsAnErrorAndKept() throws {
        try AuthFixtures.inTemporaryDirectory { directory in
            let path = directory + "/bad.pem"
            try "not a key".write(toFile: path, atomically: true, encoding: .utf8)
            #expect {
                try TokenAuthority(keyFile: path, issuer: "klein")
            } throws: { error in
                guard case .signingKey(let errorPath, _) = error as? AuthError else { return false }
                return errorPath == path
            }
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "not a key")
        }
    }

    @Test func missingDirectoryIsAnIOError() {
        #expect {
            try TokenAuthority(keyFile: "/nonexistent-klein-dir/token.pem", issuer: "klein")
        } throws: { error in
            guard case .io(let path, _) = error as? AuthError else { return false }
            return path == "/nonexistent-klein-dir/token.pem"
        }
    }
}
