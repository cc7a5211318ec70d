import Foundation
import JWTKit

extension TokenAuthority {
    /// Validates a token this authority issued (RFC 7519 §7.2): jwt-kit
    /// checks the three base64url parts, finds the key by the header's `kid`
    /// (only ours is known) and verifies the ES256 signature (raw r‖s, RFC
    /// 7518 §3.4), whose s must be in the lower half (see `TokenAuthority+LowS`); then `iss` must equal ``issuer``, `aud` contain `audience`,
    /// and `nbf` ≤ now ≤ `exp` within 60 s of leeway. Any malformed input
    /// throws ``AuthError/invalidToken(part:reason:)``.
    public func validate(_ token: String, audience: String, now: Date = Date()) async throws(AuthError) -> TokenClaims {
        guard token.utf8.count <= Self.maximumTokenLength else {
            throw AuthError.invalidToken(part: "token", reason: "longer than \(Self.maximumTokenLength) bytes")
        }
        guard Self.hasLowS(token) else {
            throw AuthError.invalidToken(part: "signature", reason: "high S value (the second encoding of an ECDSA signature)")
        }
        let keys = try await collection()
        let claims: RegistryTokenPayload
        do {
            claims = try await keys.verify(token, as: RegistryTokenPayload.self)
        } catch {
            throw Self.rejection(error)
        }
        guard claims.iss.value == issuer else {
            throw AuthError.invalidToken(part: "claims", reason: "issuer \"\(claims.iss.value)\" is not \"\(issuer)\"")
        }
        guard claims.aud.value.contains(audience) else {
            throw AuthError.invalidToken(part: "claims", reason: "audience is not \"\(audience)\"")
        }
        let time = now.timeIntervalSince1970
        guard time <= claims.exp.value.timeIntervalSince1970 + Self.leeway else {
            throw AuthError.invalidToken(part: "claims", reason: "token expired")
        }
        guard time >= claims.nbf.value.timeIntervalSince1970 - Self.leeway else {
            throw AuthError.invalidToken(part: "claims", reason: "token not valid yet")
        }
        return TokenClaims(
            subject: claims.sub.value,
            access: claims.access.map { AccessScope(resourceType: $0.type, name: $0.name, actions: $0.actions) })
    }

    /// What jwt-kit's refusal means for the token's sender.
    private static func rejection(_ error: any Error) -> AuthError {
        guard let error = error as? JWTError else {
            // jwt-kit passes on swift-crypto's and the base64 decoder's errors
            // for a signature that is not 64 base64url-encoded bytes.
            return .invalidToken(part: "signature", reason: "not a 64-byte base64url ES256 signature")
        }
        switch error.errorType {
        case .noKeyProvided, .unknownKID, .missingKIDHeader:
            return .invalidToken(part: "header", reason: "unknown key id")
        case .signatureVerificationFailed:
            return .invalidToken(part: "signature", reason: "signature does not verify")
        default:
            return .invalidToken(part: "token", reason: error.reason ?? "malformed")
        }
    }
}
