import Crypto
import ExtrasBase64
import Foundation
import JWTKit

/// Issues and validates Docker registry bearer tokens: JWTs signed with
/// ES256 (ECDSA P-256 / SHA-256, RFC 7518 §3.4) by vapor/jwt-kit.
///
/// Docker registry token spec ("Token Authentication Implementation"): the
/// header carries `alg`, `typ` and `kid` (here the RFC 7638 JWK thumbprint of
/// the public key), the claims `iss`, `sub`, `aud`, `exp`, `nbf`, `iat`,
/// `jti` and `access` (a list of `{type, name, actions}`).
public struct TokenAuthority: Sendable {
    let privateKey: P256.Signing.PrivateKey
    /// The `iss` claim written and required.
    public let issuer: String
    /// Seconds an issued token is valid (`exp` − `iat`, and the endpoint's `expires_in`).
    public let lifetime: Int
    /// RFC 7638 JWK SHA-256 thumbprint of the public key, base64url; the
    /// header's `kid`.
    public let keyID: String
    /// jwt-kit's key collection, holding this key under ``keyID`` and no
    /// default key, so a token naming another `kid` (or none) finds no key.
    /// `JWTKeyCollection` is an actor: the key is added once, by this task.
    let keys: Task<JWTKeyCollection, any Error>

    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    static let leeway: Double = 60
    /// Longer tokens are rejected before any decoding.
    static let maximumTokenLength = 64 << 10

    /// Loads the PEM P-256 private key at `keyFile` (PKCS#8 or SEC1), or, when
    /// the file does not exist, creates one and stores it atomically with mode
    /// 0600 (see ``TokenAuthority/loadOrCreateKey(at:)``).
    /// Tokens are valid for `lifetime` seconds (the configuration's `auth.token_lifetime`).
    public init(keyFile: String, issuer: String, lifetime: Int = 300) throws(AuthError) {
        self.init(privateKey: try Self.loadOrCreateKey(at: keyFile), issuer: issuer, lifetime: lifetime)
    }

    init(privateKey: P256.Signing.PrivateKey, issuer: String, lifetime: Int = 300) {
        self.privateKey = privateKey
        self.issuer = issuer
        self.lifetime = lifetime
        let keyID = Self.thumbprint(of: privateKey.publicKey)
        self.keyID = keyID
        self.keys = Task {
            let key = try ES256PrivateKey(backing: privateKey)
            let keys = JWTKeyCollection(defaultJWTParser: Self.parser, defaultJWTSerializer: Self.serializer)
            await keys.add(ecdsa: key, kid: JWKIdentifier(string: keyID), parser: Self.parser, serializer: Self.serializer)
            await keys.clearDefault()
            return keys
        }
    }

    /// RFC 7638 §3: SHA-256 over the required EC members in lexicographic
    /// order with no whitespace: `{"crv":"P-256","kty":"EC","x":…,"y":…}`.
    static func thumbprint(of key: P256.Signing.PublicKey) -> String {
        let raw = Array(key.rawRepresentation)  // x || y, 32 bytes each
        let x = base64URL(raw.prefix(32))
        let y = base64URL(raw.suffix(32))
        let jwk = #"{"crv":"P-256","kty":"EC","x":"\#(x)","y":"\#(y)"}"#
        return base64URL(Array(SHA256.hash(data: Array(jwk.utf8))))
    }

    /// Signs a token for `subject` (`""` for anonymous) valid for `audience`
    /// (the registry's service name) granting `access`, valid from `now` for
    /// `lifetime` seconds (default: the authority's).
    public func issue(
        subject: String, audience: String, access: [AccessScope],
        lifetime: Int? = nil, now: Date = Date()
    ) async throws(AuthError) -> IssuedToken {
        let lifetime = lifetime ?? self.lifetime
        let issuedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        var random = SystemRandomNumberGenerator()
        let payload = RegistryTokenPayload(
            iss: IssuerClaim(value: issuer), sub: SubjectClaim(value: subject), aud: AudienceClaim(value: [audience]),
            exp: ExpirationClaim(value: issuedAt.addingTimeInterval(Double(lifetime))),
            nbf: NotBeforeClaim(value: issuedAt), iat: IssuedAtClaim(value: issuedAt),
            jti: IDClaim(value: Self.base64URL((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &random) })),
            access: access.map { .init(type: $0.resourceType, name: $0.name, actions: $0.actions) })
        let keys = try await collection()
        let token: String
        do {
            token = Self.withLowS(try await keys.sign(payload, kid: JWKIdentifier(string: keyID)))
        } catch {
            throw AuthError.signing(reason: String(describing: error))
        }
        return IssuedToken(token: token, expiresIn: lifetime, issuedAt: issuedAt.formatted(.iso8601))
    }

    /// The key collection, once its key is added.
    func collection() async throws(AuthError) -> JWTKeyCollection {
        do {
            return try await keys.value
        } catch {
            throw AuthError.signing(reason: String(describing: error))
        }
    }

    /// JSON with sorted keys and unescaped `/`, like all JSON Klein produces.
    static func json<Value: Encodable>(_ value: Value) -> Data {
        (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    /// base64url without padding (RFC 4648 §5, as RFC 7515 §2 requires).
    static func base64URL<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        Base64.encodeToString(bytes: bytes, options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }

    /// Klein's canonical JSON; NumericDates as integer seconds (RFC 7519 §2).
    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .integerSecondsSince1970
        return encoder
    }

    private static var serializer: DefaultJWTSerializer { DefaultJWTSerializer(jsonEncoder: encoder) }

    /// Integer NumericDates only, as Klein writes them.
    private static var parser: DefaultJWTParser {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .integerSecondsSince1970
        return DefaultJWTParser(jsonDecoder: decoder)
    }
}
