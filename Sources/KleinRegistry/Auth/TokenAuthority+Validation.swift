import Crypto
import Foundation

extension TokenAuthority {
    /// Validates a token this authority issued (RFC 7519 §7.2): three
    /// base64url parts, header `alg` ES256 with our `kid` and no `crit`, a
    /// valid signature (raw r‖s, RFC 7518 §3.4), `iss` equal to ``issuer``,
    /// `aud` containing `audience`, and `nbf` ≤ now ≤ `exp` within 60 s of
    /// leeway. Any malformed input throws ``AuthError/invalidToken(part:reason:)``.
    public func validate(_ token: String, audience: String, now: Date = Date()) throws(AuthError) -> TokenClaims {
        guard token.utf8.count <= Self.maximumTokenLength else {
            throw AuthError.invalidToken(part: "token", reason: "longer than \(Self.maximumTokenLength) bytes")
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw AuthError.invalidToken(part: "token", reason: "expected 3 dot-separated parts, found \(parts.count)")
        }
        let header: JWTHeader = try Self.decodePart(parts[0], as: JWTHeader.self, part: "header")
        guard header.alg == "ES256" else {
            throw AuthError.invalidToken(part: "header", reason: "unsupported alg \"\(header.alg)\" (expected ES256)")
        }
        guard header.typ == nil || header.typ == "JWT" else {
            throw AuthError.invalidToken(part: "header", reason: "unsupported typ")
        }
        guard header.crit == nil else {
            throw AuthError.invalidToken(part: "header", reason: "critical header extensions are not supported")
        }
        guard header.kid == keyID else {
            throw AuthError.invalidToken(part: "header", reason: "unknown key id")
        }
        guard let signatureBytes = TokenBase64URL.decode(parts[2]), signatureBytes.count == 64,
              let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes)
        else {
            throw AuthError.invalidToken(part: "signature", reason: "not a 64-byte base64url ES256 signature")
        }
        let signingInput = Data(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard privateKey.publicKey.isValidSignature(signature, for: signingInput) else {
            throw AuthError.invalidToken(part: "signature", reason: "signature does not verify")
        }
        let claims: JWTClaimSet = try Self.decodePart(parts[1], as: JWTClaimSet.self, part: "claims")
        guard claims.iss == issuer else {
            throw AuthError.invalidToken(part: "claims", reason: "issuer \"\(claims.iss)\" is not \"\(issuer)\"")
        }
        guard claims.aud.values.contains(audience) else {
            throw AuthError.invalidToken(part: "claims", reason: "audience is not \"\(audience)\"")
        }
        let time = now.timeIntervalSince1970
        guard time <= Double(claims.exp) + Self.leeway else {
            throw AuthError.invalidToken(part: "claims", reason: "token expired")
        }
        guard time >= Double(claims.nbf) - Self.leeway else {
            throw AuthError.invalidToken(part: "claims", reason: "token not valid yet")
        }
        return TokenClaims(
            subject: claims.sub,
            access: claims.access.map { AccessScope(resourceType: $0.type, name: $0.name, actions: $0.actions) })
    }

    private static func decodePart<Value: Decodable>(
        _ text: Substring, as type: Value.Type, part: String
    ) throws(AuthError) -> Value {
        guard let bytes = TokenBase64URL.decode(text) else {
            throw AuthError.invalidToken(part: part, reason: "not base64url")
        }
        do {
            return try JSONDecoder().decode(Value.self, from: Data(bytes))
        } catch {
            throw AuthError.invalidToken(part: part, reason: "not the expected JSON object")
        }
    }
}
