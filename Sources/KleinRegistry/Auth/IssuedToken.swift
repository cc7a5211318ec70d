/// A freshly signed bearer token and the fields the token endpoint returns
/// with it (Docker registry token spec, "Token Response Fields").
public struct IssuedToken: Sendable, Equatable {
    /// The JWT (JWS compact serialization).
    public let token: String
    /// Seconds from `issuedAt` until the token expires.
    public let expiresIn: Int
    /// RFC 3339 UTC time of issue, e.g. `2024-05-01T12:00:00Z`.
    public let issuedAt: String
}
