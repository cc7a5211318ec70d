import Crypto
import Foundation

/// Issues and validates Docker registry bearer tokens: JWTs signed with
/// ES256 (ECDSA P-256 / SHA-256, RFC 7518 §3.4).
///
/// Docker registry token spec ("Token Authentication Implementation"): the
/// header carries `alg`, `typ` and `kid` (here the RFC 7638 JWK thumbprint of
/// the public key), the claims `iss`, `sub`, `aud`, `exp`, `nbf`, `iat`,
/// `jti` and `access` (a list of `{type, name, actions}`).
public struct TokenAuthority: Sendable {
    let privateKey: P256.Signing.PrivateKey
    /// The `iss` claim written and required.
    public let issuer: String
    /// RFC 7638 JWK SHA-256 thumbprint of the public key, base64url; the
    /// header's `kid`.
    public let keyID: String

    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    static let leeway: Double = 60
    /// Longer tokens are rejected before any decoding.
    static let maximumTokenLength = 64 << 10

    /// Loads the PEM P-256 private key at `keyFile` (PKCS#8 or SEC1), or, when
    /// the file does not exist, creates one and stores it atomically with mode
    /// 0600 (see ``TokenAuthority/loadOrCreateKey(at:)``).
    public init(keyFile: String, issuer: String) throws(AuthError) {
        self.init(privateKey: try Self.loadOrCreateKey(at: keyFile), issuer: issuer)
    }

    init(privateKey: P256.Signing.PrivateKey, issuer: String) {
        self.privateKey = privateKey
        self.issuer = issuer
        self.keyID = Self.thumbprint(of: privateKey.publicKey)
    }

    /// RFC 7638 §3: SHA-256 over the required EC members in lexicographic
    /// order with no whitespace: `{"crv":"P-256","kty":"EC","x":…,"y":…}`.
    static func thumbprint(of key: P256.Signing.PublicKey) -> String {
        let raw = Array(key.rawRepresentation)  // x || y, 32 bytes each
        let x = TokenBase64URL.encode(raw.prefix(32))
        let y = TokenBase64URL.encode(raw.suffix(32))
        let jwk = #"{"crv":"P-256","kty":"EC","x":"\#(x)","y":"\#(y)"}"#
        return TokenBase64URL.encode(SHA256.hash(data: Array(jwk.utf8)))
    }

    /// Signs a token for `subject` (`""` for anonymous) valid for `audience`
    /// (the registry's service name) granting `access`, valid from `now` for
    /// `lifetime` seconds.
    public func issue(
        subject: String, audience: String, access: [AccessScope],
        lifetime: Int = 300, now: Date = Date()
    ) -> IssuedToken {
        let issuedAt = Int64(now.timeIntervalSince1970.rounded(.down))
        var random = SystemRandomNumberGenerator()
        let jti = TokenBase64URL.encode((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &random) })
        let claims = JWTClaimSet(
            iss: issuer, sub: subject, aud: JWTAudience(audience),
            exp: issuedAt + Int64(lifetime), nbf: issuedAt, iat: issuedAt, jti: jti,
            access: access.map { JWTAccessEntry(type: $0.resourceType, name: $0.name, actions: $0.actions) })
        let header = JWTHeader(alg: "ES256", typ: "JWT", kid: keyID, crit: nil)
        let signingInput = TokenBase64URL.encode(Self.json(header)) + "." + TokenBase64URL.encode(Self.json(claims))
        // Signing a P-256 digest cannot fail for a valid key; were it ever to,
        // the empty signature makes the token fail validation, not succeed.
        let signature = (try? privateKey.signature(for: Data(signingInput.utf8)))?.rawRepresentation ?? Data()
        return IssuedToken(
            token: signingInput + "." + TokenBase64URL.encode(signature),
            expiresIn: lifetime,
            issuedAt: Date(timeIntervalSince1970: Double(issuedAt)).formatted(.iso8601))
    }

    /// JSON with sorted keys and unescaped `/`, like all JSON Klein produces.
    static func json<Value: Encodable>(_ value: Value) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }
}
