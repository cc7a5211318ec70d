/// What a validated bearer token says: who it was issued to and which
/// access it carries (Docker registry token spec, "Token Response", the
/// `access` claim).
public struct TokenClaims: Sendable, Equatable {
    /// The `sub` claim: the authenticated user, or `""` for an anonymous token.
    public let subject: String
    /// The `access` claim as scopes; entries may have no actions.
    public let access: [AccessScope]
}
