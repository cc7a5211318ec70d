import JWTKit

/// The claims of a registry token (RFC 7519 §4.1 plus the Docker registry
/// token spec's `access`). `aud` is written as a string and read as a string
/// or an array (RFC 7519 §4.1.3).
struct RegistryTokenPayload: JWTPayload {
    /// One entry of the `access` claim (Docker registry token spec, "JWT
    /// claims"): `{"type": …, "name": …, "actions": […]}`.
    struct AccessEntry: Codable, Sendable {
        var type: String
        var name: String
        var actions: [String]
    }

    /// Who issued the token, to whom, for which service (RFC 7519 §4.1.1–4.1.3; `sub` is `""` for an
    /// anonymous token).
    var iss: IssuerClaim, sub: SubjectClaim, aud: AudienceClaim
    /// When it expires, starts and was issued, as integer seconds since the epoch (§4.1.4–4.1.6).
    var exp: ExpirationClaim, nbf: NotBeforeClaim, iat: IssuedAtClaim
    /// A random id, so no two tokens are alike (§4.1.7), and the granted scopes.
    var jti: IDClaim, access: [AccessEntry]

    /// Nothing to check here: the claims depend on the validation time and
    /// audience, which ``TokenAuthority/validate(_:audience:now:)`` checks
    /// once jwt-kit has verified the signature.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
