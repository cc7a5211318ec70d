import Crypto
import Foundation
import Testing
@testable import KleinRegistry

@Suite struct AuthTokenTests {
    static let now = Date(timeIntervalSince1970: 1_714_564_800)  // 2024-05-01T12:00:00Z
    static let access = [AccessScope.repository("team/app", "pull", "push"), .catalog]

    @Test func issueValidateRoundTrip() throws {
        let authority = AuthFixtures.authority()
        let issued = authority.issue(subject: "alice", audience: "svc", access: Self.access, now: Self.now)
        #expect(issued.expiresIn == 300)
        #expect(issued.issuedAt == "2024-05-01T12:00:00Z")
        let claims = try authority.validate(issued.token, audience: "svc", now: Self.now)
        #expect(claims.subject == "alice")
        #expect(claims.access == Self.access)
    }

    @Test func headerAndClaimsAreCanonical() throws {
        let authority = AuthFixtures.authority()
        let issued = authority.issue(subject: "alice", audience: "svc", access: [.repository("a/b", "pull")], lifetime: 120, now: Self.now)
        #expect(!issued.token.contains("="))
        #expect(AuthFixtures.jsonPart(issued.token, 0) == #"{"alg":"ES256","kid":"\#(authority.keyID)","typ":"JWT"}"#)
        let claims = AuthFixtures.jsonPart(issued.token, 1)
        #expect(claims.hasPrefix(#"{"access":[{"actions":["pull"],"name":"a/b","type":"repository"}],"aud":"svc","exp":1714564920,"iat":1714564800,"iss":"klein-test","jti":""#))
        #expect(claims.hasSuffix(#"","nbf":1714564800,"sub":"alice"}"#))
        let signature = issued.token.split(separator: ".")[2]
        #expect(TokenBase64URL.decode(signature)?.count == 64)
        let other = authority.issue(subject: "alice", audience: "svc", access: [], now: Self.now)
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

    @Test func rejectsTamperedSignature() throws {
        let authority = AuthFixtures.authority()
        let token = authority.issue(subject: "alice", audience: "svc", access: Self.access, now: Self.now).token
        var parts = token.split(separator: ".").map(String.init)
        var signature = Array(parts[2])
        signature[10] = signature[10] == "A" ? "B" : "A"
        parts[2] = String(signature)
        #expect(throws: AuthError.invalidToken(part: "signature", reason: "signature does not verify")) {
            try authority.validate(parts.joined(separator: "."), audience: "svc", now: Self.now)
        }
    }

    @Test func rejectsSwappedClaims() throws {
        let authority = AuthFixtures.authority()
        let weak = authority.issue(subject: "eve", audience: "svc", access: [.repository("a", "pull")], now: Self.now).token
        let strong = authority.issue(subject: "root", audience: "svc", access: [.repository("a", "*")], now: Self.now).token
        let w = weak.split(separator: "."), s = strong.split(separator: ".")
        let forged = [w[0], s[1], w[2]].joined(separator: ".")
        #expect(throws: AuthError.self) { try authority.validate(forged, audience: "svc", now: Self.now) }
    }

    @Test func rejectsTokenOfAnotherKeyOrIssuer() throws {
        let key = P256.Signing.PrivateKey()
        let ours = TokenAuthority(privateKey: key, issuer: "klein")
        let otherKey = AuthFixtures.authority().issue(subject: "a", audience: "svc", access: [], now: Self.now).token
        let otherIssuer = TokenAuthority(privateKey: key, issuer: "someone-else")
            .issue(subject: "a", audience: "svc", access: [], now: Self.now).token
        #expect(throws: AuthError.invalidToken(part: "header", reason: "unknown key id")) {
            try ours.validate(otherKey, audience: "svc", now: Self.now)
        }
        #expect(throws: AuthError.self) { try ours.validate(otherIssuer, audience: "svc", now: Self.now) }
    }

    @Test(arguments: [
        (-10.0, true), (299.0, true), (359.0, true), (361.0, false), (-59.0, true), (-61.0, false), (100_000.0, false),
    ])
    func expiryAndNotBeforeWithLeeway(offset: Double, valid: Bool) {
        let authority = AuthFixtures.authority()
        let token = authority.issue(subject: "a", audience: "svc", access: [], now: Self.now).token
        let result = Result { () throws(AuthError) in
            try authority.validate(token, audience: "svc", now: Self.now.addingTimeInterval(offset))
        }
        let succeeded = (try? result.get()) != nil
        #expect(succeeded == valid)
    }

    @Test func rejectsWrongAudience() {
        let authority = AuthFixtures.authority()
        let token = authority.issue(subject: "a", audience: "svc", access: [], now: Self.now).token
        #expect(throws: AuthError.invalidToken(part: "claims", reason: "audience is not \"other\"")) {
            try authority.validate(token, audience: "other", now: Self.now)
        }
    }

    static func encodedPart(_ json: String) -> String { TokenBase64URL.encode(Array(json.utf8)) }

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
    func rejectsGarbage(token: String) {
        let authority = AuthFixtures.authority()
        #expect(throws: AuthError.self) { try authority.validate(token, audience: "svc", now: Self.now) }
    }

    @Test func rejectsValidlySignedButMalformedClaims() throws {
        let authority = AuthFixtures.authority()
        let header = Self.encodedPart(#"{"alg":"ES256","kid":"\#(authority.keyID)","typ":"JWT"}"#)
        for claims in [#"{"iss":"klein-test"}"#, #"{"exp":1e400}"#, "[]", "null"] {
            let input = header + "." + Self.encodedPart(claims)
            let signature = try authority.privateKey.signature(for: Data(input.utf8)).rawRepresentation
            let token = input + "." + TokenBase64URL.encode(signature)
            #expect(throws: AuthError.self) { try authority.validate(token, audience: "svc", now: Self.now) }
        }
    }

    @Test func acceptsAudienceArray() throws {
        let authority = AuthFixtures.authority()
        let header = Self.encodedPart(#"{"alg":"ES256","kid":"\#(authority.keyID)"}"#)
        let claims = #"{"access":[],"aud":["x","svc"],"exp":1714565100,"iat":1714564800,"iss":"klein-test","jti":"j","nbf":1714564800,"sub":"bob"}"#
        let input = header + "." + Self.encodedPart(claims)
        let signature = try authority.privateKey.signature(for: Data(input.utf8)).rawRepresentation
        let token = input + "." + TokenBase64URL.encode(signature)
        #expect(try authority.validate(token, audience: "svc", now: Self.now).subject == "bob")
    }

    @Test func keyFileIsCreatedPrivateAndReused() throws {
        try AuthFixtures.inTemporaryDirectory { directory in
            let path = directory + "/token.pem"
            let first = try TokenAuthority(keyFile: path, issuer: "klein")
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["token.pem"])
            let second = try TokenAuthority(keyFile: path, issuer: "klein")
            #expect(first.keyID == second.keyID)
            let token = first.issue(subject: "a", audience: "svc", access: [], now: Self.now).token
            #expect(try second.validate(token, audience: "svc", now: Self.now).subject == "a")
        }
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
