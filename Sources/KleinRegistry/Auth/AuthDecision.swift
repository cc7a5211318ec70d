/// The outcome of ``RegistryAuth/authorize(authorization:required:tokenRealm:)``.
public enum AuthDecision: Sendable, Equatable {
    /// Serve the request. `user` is the authenticated user, `nil` when the
    /// request is anonymous.
    case allowed(user: String?)
    /// Answer 401 with `WWW-Authenticate: <challenge>` and a distribution-spec
    /// `UNAUTHORIZED` error body.
    case unauthorized(challenge: String)
    /// Answer 403 with a distribution-spec `DENIED` error body: the user is
    /// authenticated but the policy does not grant the action.
    case denied
    /// Answer 429 `TOOMANYREQUESTS` with `Retry-After`: the client failed
    /// password checks too often and was refused without one.
    case throttled(retryAfter: Int)
}
