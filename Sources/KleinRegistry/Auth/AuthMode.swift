/// How a registry authenticates requests.
public enum AuthMode: Sendable {
    /// No authentication: every request is allowed.
    case anonymous
    /// HTTP Basic (RFC 7617) checked against an htpasswd file on every
    /// request, as CNCF Distribution's `htpasswd` auth does.
    case basic(Htpasswd)
    /// Docker token authentication: the registry accepts only bearer tokens,
    /// issued by its own token endpoint to users of the htpasswd file.
    case token(Htpasswd, TokenAuthority)
}
