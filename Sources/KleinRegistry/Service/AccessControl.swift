import HTTPTypes

/// Maps each request to the access scopes its endpoint needs and asks `RegistryAuth` for a decision;
/// serves the token endpoint.
struct AccessControl: Sendable {
    enum Outcome {
        case allowed(user: String?)
        case refused(RegistryResponse)
    }

    let auth: RegistryAuth
    private let configuredRealm: String?
    private let scheme: String

    init(configuration: RegistryConfiguration) throws {
        let mode: AuthMode
        switch configuration.authMode {
        case .none:
            mode = .anonymous
        case .basic:
            mode = .basic(try Htpasswd(contentsOf: configuration.htpasswdFile ?? ""))
        case .token:
            let keyFile = "\(configuration.dataDirectory)/token-key.pem"
            mode = .token(try Htpasswd(contentsOf: configuration.htpasswdFile ?? ""),
                          try TokenAuthority(keyFile: keyFile, issuer: configuration.tokenService,
                                             lifetime: Int(clamping: configuration.tokenLifetime)))
        }
        let policy: AccessPolicy
        if let file = configuration.policyFile {
            policy = try AccessPolicy(contentsOf: file)
        } else {
            policy = configuration.authMode == .none ? .anonymousFullAccess : .authenticatedFullAccess
        }
        auth = RegistryAuth(mode: mode, policy: policy, service: configuration.tokenService)
        configuredRealm = configuration.tokenRealm
        scheme = configuration.tlsCertificate == nil ? "http" : "https"
    }

    /// Decides a request; operational endpoints (`/healthz`, `/metrics`, `/token`) are open.
    func check(_ request: RegistryRequest, route: Route) async -> Outcome {
        guard let required = Self.scopes(for: route, method: request.method) else { return .allowed(user: nil) }
        switch await auth.authorize(authorization: request.header(.authorization), required: required, tokenRealm: realm(for: request),
                                    client: PasswordChecks.client(ofRemote: request.remote)) {
        case let .allowed(user):
            return .allowed(user: user)
        case let .unauthorized(challenge):
            let error = RegistryError(.unauthorized, status: 401, "authentication required",
                                      detail: required.isEmpty ? [:] : ["scope": required.map(\.description).joined(separator: " ")])
            return .refused(RegistryResponse(error: error, headers: [.wwwAuthenticate: challenge]))
        case .denied:
            let error = RegistryError(.denied, status: 403,
                                      "access to \(required.map(\.description).joined(separator: " ")) is not granted to this user")
            return .refused(RegistryResponse(error: error))
        case let .throttled(retryAfter):
            let error = RegistryError(.tooManyRequests, status: 429, "too many failed logins from this client; retry later")
            return .refused(RegistryResponse(error: error, headers: [.retryAfter: String(retryAfter)]))
        }
    }

    /// Whether the request's credentials may read `repository` (for cross-repository mounts).
    func mayPull(_ repository: String, request: RegistryRequest) async -> Bool {
        let decision = await auth.authorize(authorization: request.header(.authorization), required: [.repository(repository, "pull")],
                                            tokenRealm: realm(for: request), client: PasswordChecks.client(ofRemote: request.remote))
        if case .allowed = decision { return true }
        return false
    }

    /// `GET`/`POST /token` (Docker token flow; 404 unless token mode is on).
    func tokenResponse(_ request: RegistryRequest, body: BodyReader) async throws -> RegistryResponse {
        var form: [(String, String)] = []
        if request.method == .post {
            let bytes = try await body.collect(upTo: 64 << 10)
            form = FormDecoding.pairs(Substring(decoding: bytes, as: UTF8.self), plusIsSpace: true).map { ($0.name, $0.value) }
        }
        let answer = await auth.tokenResponse(method: request.method.rawValue, query: request.query.map { ($0.name, $0.value) },
                                              form: form, authorization: request.header(.authorization),
                                              client: PasswordChecks.client(ofRemote: request.remote))
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let name = HTTPField.Name(name) { headers.append(HTTPField(name: name, value: value)) }
        }
        headers[.cacheControl] = "no-store"
        return RegistryResponse(HTTPResponse.Status(code: answer.status), headers: headers, body: .bytes(answer.body))
    }

    /// The token endpoint to advertise: configured, else `/token` on the host the client used.
    private func realm(for request: RegistryRequest) -> String {
        if let configuredRealm { return configuredRealm }
        return "\(scheme)://\(request.host ?? "127.0.0.1")/token"
    }

    /// The access an endpoint needs; `nil` for endpoints open to everyone.
    static func scopes(for route: Route, method: HTTPRequest.Method) -> [AccessScope]? {
        switch route {
        case .token, .health, .metrics:
            return nil
        case .base:
            return []
        case .catalog:
            return [.catalog]
        case let .blob(name, _), let .manifest(name, _):
            switch method {
            case .delete: return [.repository(name, "delete")]
            case .put: return [.repository(name, "push")]
            default: return [.repository(name, "pull")]
            }
        case let .uploads(name), let .upload(name, _):
            return [.repository(name, "push")]
        case let .tags(name), let .referrers(name, _):
            return [.repository(name, "pull")]
        }
    }
}
