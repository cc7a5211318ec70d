/// The registry's authentication and authorization: the one type the HTTP
/// layer asks whether a request may proceed, and that answers the token
/// endpoint.
///
/// Distribution spec ("Authentication" is delegated to the Docker registry
/// token spec): a protected endpoint without acceptable credentials answers
/// 401 with a `WWW-Authenticate` challenge; an authenticated user lacking
/// permission gets 403 (Basic) or a challenge with
/// `error="insufficient_scope"` (Bearer, RFC 6750 §3.1).
public struct RegistryAuth: Sendable {
    /// How requests authenticate: anonymously, with Basic credentials, or with bearer tokens.
    public let mode: AuthMode
    /// Which users (and anonymous clients) may pull, push or delete in which repositories.
    public let policy: AccessPolicy
    /// The token `service` / `aud`, e.g. the registry's host name.
    public let service: String
    /// The realm of the Basic challenge.
    public let basicRealm: String

    /// An authorizer for `mode` and `policy`; `service` is the token audience, `basicRealm` the Basic challenge realm.
    public init(mode: AuthMode, policy: AccessPolicy, service: String, basicRealm: String = "Klein Registry") {
        self.mode = mode
        self.policy = policy
        self.service = service
        self.basicRealm = basicRealm
    }

    /// Decides whether a request with header `authorization` may perform every
    /// action of `required`.
    ///
    /// - `.anonymous` mode allows everything.
    /// - Without an `Authorization` header, a non-empty `required` that the
    ///   policy grants anonymously is allowed in every mode. An empty
    ///   `required` (the `/v2/` version check) needs credentials in `.basic`
    ///   and `.token` mode, so clients discover auth there and `docker login`
    ///   really checks the password, as CNCF Distribution does.
    /// - A header that is present is always checked: malformed or wrong
    ///   credentials are `.unauthorized`, even where anonymous access would do.
    /// - `.basic`: valid credentials lacking a policy grant are `.denied`.
    /// - `.token`: only `Bearer` tokens for audience ``service``; a valid token
    ///   whose `access` (or the anonymous grants) lacks a required action is
    ///   `.unauthorized` with `error="insufficient_scope"`.
    ///
    /// `tokenRealm` is the absolute URL of the token endpoint, used in Bearer
    /// challenges.
    /// `client` (the peer's address) is whom failed password checks are counted against.
    public func authorize(authorization: String?, required: [AccessScope], tokenRealm: String, client: String = "") async -> AuthDecision {
        switch mode {
        case .anonymous:
            return .allowed(user: nil)
        case .basic(let htpasswd):
            let challenge = "Basic realm=\(Self.quoted(basicRealm))"
            guard let authorization else {
                return anonymousAllows(required) ? .allowed(user: nil) : .unauthorized(challenge: challenge)
            }
            guard case .basic(let user, let password)? = AuthorizationHeader(authorization) else { return .unauthorized(challenge: challenge) }
            switch await htpasswd.check(user: user, password: password, client: client) {
            case .valid: break
            case .invalid: return .unauthorized(challenge: challenge)
            case let .throttled(retryAfter): return .throttled(retryAfter: retryAfter)
            }
            return required.allSatisfy { policy.allows(user: user, scope: $0) } ? .allowed(user: user) : .denied
        case .token(_, let authority):
            let challenge = bearerChallenge(realm: tokenRealm, required: required)
            guard let authorization else {
                return anonymousAllows(required) ? .allowed(user: nil) : .unauthorized(challenge: challenge)
            }
            guard case .bearer(let token)? = AuthorizationHeader(authorization),
                  let claims = try? await authority.validate(token, audience: service)
            else { return .unauthorized(challenge: challenge) }
            let covered = required.allSatisfy { $0.isCovered(by: claims.access) || policy.allows(user: nil, scope: $0) }
            guard covered else {
                return .unauthorized(challenge: challenge + #",error="insufficient_scope""#)
            }
            return .allowed(user: claims.subject.isEmpty ? nil : claims.subject)
        }
    }

    /// Whether the policy grants all of a non-empty `required` anonymously.
    private func anonymousAllows(_ required: [AccessScope]) -> Bool {
        !required.isEmpty && required.allSatisfy { policy.allows(user: nil, scope: $0) }
    }

    /// Docker registry token spec, "How to authenticate": `Bearer
    /// realm="…",service="…",scope="…"`; several scopes are space-separated
    /// and `scope` is left out when nothing specific is required.
    func bearerChallenge(realm: String, required: [AccessScope]) -> String {
        var challenge = "Bearer realm=\(Self.quoted(realm)),service=\(Self.quoted(service))"
        if !required.isEmpty {
            challenge += ",scope=\(Self.quoted(required.map(\.description).joined(separator: " ")))"
        }
        return challenge
    }

    /// An RFC 9110 §5.6.4 quoted-string. Control characters (which a
    /// hostile `Host` header could smuggle into the realm) are dropped.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars where scalar.value >= 0x20 && scalar.value != 0x7F {
            if scalar == "\"" || scalar == "\\" { result.unicodeScalars.append("\\") }
            result.unicodeScalars.append(scalar)
        }
        return result + "\""
    }
}
