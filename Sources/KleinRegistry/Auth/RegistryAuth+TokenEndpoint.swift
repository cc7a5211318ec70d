extension RegistryAuth {
    /// Most scopes one token request may ask for.
    static let maximumRequestedScopes = 64

    /// Answers a request to the token endpoint.
    ///
    /// - `GET` (Docker registry token spec, "Requesting a Token"): query
    ///   `service`, repeated `scope` (each may also hold several
    ///   space-separated scopes), optional `account`; credentials by HTTP
    ///   Basic. No credentials yield an anonymous token (`sub` = `""`); wrong
    ///   ones 401 `UNAUTHORIZED`; an `account` differing from the Basic user
    ///   400.
    /// - `POST` (Docker registry token spec, "OAuth2 Token"; RFC 6749 §4.3):
    ///   form `grant_type=password`, `username`, `password`, `service`,
    ///   space-separated `scope`, `client_id` (accepted, not required). Errors
    ///   are RFC 6749 §5.2 JSON: `invalid_request`, `invalid_grant` (wrong
    ///   credentials), `unsupported_grant_type`, all with status 400.
    ///
    /// A missing `service` means this registry; a different one is 400. Every
    /// requested scope is listed in the token's `access`, with the actions the
    /// policy grants (possibly none), duplicates merged. The 200 body is
    /// `{"access_token","expires_in","issued_at","token"}`. Outside `.token`
    /// mode the endpoint does not exist (404).
    /// `client` (the peer's address) is whom failed password checks are counted against; a client that
    /// failed too often gets 429 `TOOMANYREQUESTS` with `Retry-After`, unchecked.
    public func tokenResponse(
        method: String, query: [(String, String)], form: [(String, String)], authorization: String?, client: String = ""
    ) async -> TokenEndpointResponse {
        guard case .token(let htpasswd, let authority) = mode else {
            return Self.registryError(status: 404, code: "UNSUPPORTED", message: "token authentication is not enabled")
        }
        switch method.uppercased() {
        case "GET":
            return await tokenForGet(query: query, authorization: authorization, htpasswd: htpasswd, authority: authority, client: client)
        case "POST":
            return await tokenForPost(form: form, htpasswd: htpasswd, authority: authority, client: client)
        default:
            var response = Self.registryError(status: 405, code: "UNSUPPORTED", message: "use GET or POST")
            response.headers.append(("Allow", "GET, POST"))
            return response
        }
    }

    private func tokenForGet(
        query: [(String, String)], authorization: String?, htpasswd: Htpasswd, authority: TokenAuthority, client: String
    ) async -> TokenEndpointResponse {
        let badRequest = { (message: String) in Self.registryError(status: 400, code: "INVALID_REQUEST", message: message) }
        if let problem = serviceProblem(Self.values("service", in: query)) { return badRequest(problem) }
        var user: String?
        if let authorization {
            let verdict: PasswordChecks.Verdict
            if case .basic(let name, let password)? = AuthorizationHeader(authorization) {
                verdict = await htpasswd.check(user: name, password: password, client: client)
                user = name
            } else {
                verdict = .invalid
            }
            if case let .throttled(retryAfter) = verdict { return Self.throttled(retryAfter) }
            guard verdict == .valid else {
                var response = Self.registryError(status: 401, code: "UNAUTHORIZED", message: "authentication required: invalid username or password")
                response.headers.append(("WWW-Authenticate", "Basic realm=\(Self.quoted(basicRealm))"))
                return response
            }
        }
        if let user, Self.values("account", in: query).contains(where: { $0 != user }) {
            return badRequest("account does not match the authenticated user")
        }
        switch parseScopes(Self.values("scope", in: query)) {
        case .failure(let problem): return badRequest(problem.message)
        case .success(let scopes): return await grant(scopes, to: user, authority: authority)
        }
    }

    private func tokenForPost(form: [(String, String)], htpasswd: Htpasswd, authority: TokenAuthority, client: String) async -> TokenEndpointResponse {
        guard let grantType = Self.values("grant_type", in: form).first else {
            return Self.oauthError("invalid_request", "grant_type is required")
        }
        guard grantType == "password" else {
            return Self.oauthError("unsupported_grant_type", "only grant_type=password is supported")
        }
        guard let user = Self.values("username", in: form).first, !user.isEmpty,
              let password = Self.values("password", in: form).first
        else { return Self.oauthError("invalid_request", "username and password are required") }
        if let problem = serviceProblem(Self.values("service", in: form)) {
            return Self.oauthError("invalid_request", problem)
        }
        switch await htpasswd.check(user: user, password: password, client: client) {
        case .valid: break
        case .invalid: return Self.oauthError("invalid_grant", "invalid username or password")
        case let .throttled(retryAfter): return Self.throttled(retryAfter)
        }
        switch parseScopes(Self.values("scope", in: form)) {
        case .failure(let problem): return Self.oauthError("invalid_scope", problem.message)
        case .success(let scopes): return await grant(scopes, to: user, authority: authority)
        }
    }

    /// Issues a token listing every requested scope with its granted actions.
    private func grant(_ scopes: [AccessScope], to user: String?, authority: TokenAuthority) async -> TokenEndpointResponse {
        let access = scopes.map {
            AccessScope(resourceType: $0.resourceType, name: $0.name, actions: policy.grantedActions(user: user, scope: $0))
        }
        let issued: IssuedToken
        do {
            issued = try await authority.issue(subject: user ?? "", audience: service, access: access)
        } catch {
            return Self.registryError(status: 500, code: "UNKNOWN", message: error.description)
        }
        let body = TokenEndpointBody(
            token: issued.token, access_token: issued.token, expires_in: issued.expiresIn, issued_at: issued.issuedAt)
        return TokenEndpointResponse(
            status: 200,
            headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store"), ("Pragma", "no-cache")],
            body: Array(TokenAuthority.json(body)))
    }

    /// 429 for a client refused unchecked after too many failed password checks.
    private static func throttled(_ retryAfter: Int) -> TokenEndpointResponse {
        var response = registryError(status: 429, code: "TOOMANYREQUESTS", message: "too many failed logins from this client; retry later")
        response.headers.append(("Retry-After", String(retryAfter)))
        return response
    }

    private func serviceProblem(_ values: [String]) -> String? {
        values.contains { $0 != service } ? "unknown service (this registry is \(Self.quoted(service)))" : nil
    }

    struct ScopeProblem: Error { let message: String }

    /// Parses scope parameters (each possibly space-separated), merging the
    /// actions of repeated resources and keeping first-seen order.
    func parseScopes(_ values: [String]) -> Result<[AccessScope], ScopeProblem> {
        var order: [String] = []
        var merged: [String: AccessScope] = [:]
        for text in values.flatMap({ $0.split(separator: " ") }) {
            guard let scope = AccessScope(parsing: String(text)) else {
                return .failure(ScopeProblem(message: "invalid scope \(Self.quoted(String(text.prefix(200))))"))
            }
            let key = scope.resourceType + ":" + scope.name
            if let existing = merged[key] {
                merged[key] = AccessScope(resourceType: scope.resourceType, name: scope.name, actions: existing.actions + scope.actions)
            } else {
                order.append(key)
                merged[key] = scope
            }
            guard order.count <= Self.maximumRequestedScopes else {
                return .failure(ScopeProblem(message: "more than \(Self.maximumRequestedScopes) scopes requested"))
            }
        }
        return .success(order.compactMap { merged[$0] })
    }

    static func values(_ name: String, in pairs: [(String, String)]) -> [String] {
        pairs.filter { $0.0 == name }.map(\.1)
    }

    /// A distribution-spec error body: `{"errors":[{"code","message"}]}`.
    static func registryError(status: Int, code: String, message: String) -> TokenEndpointResponse {
        let body = TokenRegistryErrorBody(errors: [.init(code: code, message: message)])
        return TokenEndpointResponse(
            status: status, headers: [("Content-Type", "application/json")], body: Array(TokenAuthority.json(body)))
    }

    /// An RFC 6749 §5.2 error body with status 400.
    static func oauthError(_ error: String, _ description: String) -> TokenEndpointResponse {
        let body = TokenOAuthErrorBody(error: error, error_description: description)
        return TokenEndpointResponse(
            status: 400,
            headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store"), ("Pragma", "no-cache")],
            body: Array(TokenAuthority.json(body)))
    }
}
