import Foundation
import Testing

/// `klein serve --auth basic|token`.
enum AuthServeMode: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case basic, token

    var testDescription: String { rawValue }
}

/// Who sends a request: nobody (no `Authorization`), an anonymous token (token mode: `/token` without
/// credentials), or one of the htpasswd users.
enum AuthIdentity: String, CaseIterable, Sendable {
    case anonymous, anonymousToken = "anon-token", reader, writer, admin

    /// The htpasswd user, `nil` for the anonymous identities.
    var user: String? {
        switch self {
        case .anonymous, .anonymousToken: nil
        case .reader, .writer, .admin: rawValue
        }
    }

    static func identities(in mode: AuthServeMode) -> [AuthIdentity] {
        mode == .basic ? [.anonymous, .reader, .writer, .admin] : allCases
    }
}

/// What `AuthRegistry.seed` stores before auth is switched on.
struct AuthSeed: Sendable {
    /// `team/app:v1`.
    let image: TestImage
    /// One manifest per identity in `team/app` (tag `del-<identity>`), for that identity to try deleting.
    let deletable: [AuthIdentity: String]
    /// A layer only `secret/vault` holds, for cross-repository mounts into `team/app`.
    let secretLayer: TestBlob
}

/// A `klein serve` with authentication on: an htpasswd file made by Apache `htpasswd -B` (bcrypt),
/// and the policy below. Requests are sent as an `AuthIdentity`; in token mode each one first gets a
/// token for its scopes from `/token` (Docker registry token spec), as Docker clients do.
final class AuthRegistry {
    static let service = "klein-registry"
    static let passwords = ["reader": "reader-pass", "writer": "writer pass 2", "admin": "adm:n-pass"]

    /// Reader pulls, writer pulls and pushes (`team/**`, `public/**`), admin does everything everywhere
    /// and lists the catalog; anyone (logged in or not) pulls `public/**`.
    static let policy = """
    [groups]
    staff = ["reader", "writer"]

    [[rule]]
    repositories = ["public/**"]
    anonymous = true
    actions = ["pull"]

    [[rule]]
    repositories = ["team/**"]
    groups = ["staff"]
    actions = ["pull"]

    [[rule]]
    repositories = ["team/**", "public/**"]
    users = ["writer"]
    actions = ["pull", "push"]

    [[rule]]
    repositories = ["**"]
    users = ["admin"]
    actions = ["*", "catalog"]
    """

    let mode: AuthServeMode
    let server: KleinServe
    /// curl, not `RegistryHTTP`: see `CurlHTTP` for why.
    let http: CurlHTTP

    /// Writes the htpasswd and policy files into `scratch` and starts `klein serve --auth <mode>` on `data`.
    init(scratch: Scratch, mode: AuthServeMode, data: String? = nil, arguments extra: [String] = []) throws {
        self.mode = mode
        let htpasswd = try Self.htpasswdFile(in: scratch)
        let policy = try scratch.write("access-\(UUID().uuidString).toml", Self.policy)
        var arguments = ["--auth", mode.rawValue, "--htpasswd", htpasswd, "--policy", policy] + extra
        if mode == .token { arguments += ["--token-service", Self.service] }
        server = try KleinServe(scratch: scratch, data: data, arguments: arguments)
        http = CurlHTTP(base: server.base)
    }

    func stop(sourceLocation: SourceLocation = #_sourceLocation) {
        server.stop(sourceLocation: sourceLocation)
    }

    /// `htpasswd -B` (bcrypt, cost 5) for every user of `passwords`.
    static func htpasswdFile(in scratch: Scratch) throws -> String {
        let path = "\(scratch.path)/users-\(UUID().uuidString).htpasswd"
        for (index, user) in passwords.keys.sorted().enumerated() {
            try Tools.peer("htpasswd", (index == 0 ? ["-c"] : []) + ["-b", "-B", "-C", "5", path, user, passwords[user]!])
        }
        return path
    }

    /// Fills `data` through an unauthenticated `klein serve`, stopped before auth is switched on.
    static func seed(scratch: Scratch, data: String) async throws -> AuthSeed {
        let server = try KleinServe(scratch: scratch, data: data)
        defer { server.stop() }
        let http = server.http
        let image = try await http.pushImage("team/app", tag: "v1")
        var deletable: [AuthIdentity: String] = [:]
        for identity in AuthIdentity.allCases {
            let config = TestContent.config()
            try await http.pushBlob("team/app", config)
            let manifest = TestContent.imageManifest(config: config, layers: image.layers)
            try await http.pushManifest("team/app", "del-\(identity.rawValue)", manifest)
            deletable[identity] = manifest.digest
        }
        let secret = try await http.pushImage("secret/vault", tag: "v1")
        _ = try await http.pushImage("public/site", tag: "v1")
        return AuthSeed(image: image, deletable: deletable, secretLayer: secret.layers[0])
    }

    /// `Basic base64(user:password)` (RFC 7617).
    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    /// The `Authorization` value `identity` sends for a request needing `scopes`: Basic credentials in
    /// basic mode; in token mode a Bearer token fetched for exactly those scopes; nothing for `.anonymous`.
    func authorization(_ identity: AuthIdentity, scopes: [String]) throws -> String? {
        switch (mode, identity) {
        case (_, .anonymous): return nil
        case (.basic, .anonymousToken): throw InvalidTarget(target: "an anonymous token in basic mode")
        case (.basic, _): return Self.basic(identity.rawValue, Self.passwords[identity.rawValue]!)
        case (.token, _):
            let credentials = identity.user.map { Self.basic($0, Self.passwords[$0]!) }
            return "Bearer " + (try token(credentials: credentials, scopes: scopes).token)
        }
    }

    /// `GET /token?service=…&scope=…` with `credentials` (an `Authorization` value), requiring `200`.
    func token(
        credentials: String?, scopes: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (token: String, access: [String: [String]]) {
        let response = try tokenRequest(credentials: credentials, scopes: scopes, sourceLocation: sourceLocation)
        try #require(response.status == 200, "token request failed: \(response)", sourceLocation: sourceLocation)
        let body = try response.json(sourceLocation: sourceLocation)
        let token = try #require(body["token"] as? String, "no token in \(response)", sourceLocation: sourceLocation)
        #expect(body["access_token"] as? String == token, sourceLocation: sourceLocation)
        return (token, try Self.access(of: token, sourceLocation: sourceLocation))
    }

    func tokenRequest(
        credentials: String?, scopes: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> RegistryHTTP.Response {
        let query = ([("service", Self.service)] + scopes.map { ("scope", $0) })
            .map { "\($0.0)=\(LocationQuery.encode($0.1))" }.joined(separator: "&")
        return try http.send("GET", "/token?\(query)", headers: credentials.map { ["Authorization": $0] } ?? [:],
                                   sourceLocation: sourceLocation)
    }

    /// The JWT's claims (signature not checked: the server does that).
    static func claims(of token: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3, "not a JWS compact serialization: \(token)", sourceLocation: sourceLocation)
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        let payload = try #require(Data(base64Encoded: base64), "payload is not base64url: \(token)", sourceLocation: sourceLocation)
        return try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any], sourceLocation: sourceLocation)
    }

    /// The JWT's `access` claim as `"type:name" → actions`.
    static func access(of token: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: [String]] {
        let claims = try Self.claims(of: token, sourceLocation: sourceLocation)
        let entries = try #require(claims["access"] as? [[String: Any]], "no access claim: \(claims)", sourceLocation: sourceLocation)
        var access: [String: [String]] = [:]
        for entry in entries {
            access["\(entry["type"] as? String ?? "?"):\(entry["name"] as? String ?? "?")"] = entry["actions"] as? [String]
        }
        return access
    }

    /// Sends one request as `identity`, authorised for `scopes` (token mode); `authorization` overrides.
    @discardableResult
    func send(
        _ identity: AuthIdentity, _ method: String, _ target: String, scopes: [String], headers: [String: String] = [:],
        body: Data? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (response: RegistryHTTP.Response, authorization: String?) {
        let authorization = try self.authorization(identity, scopes: scopes)
        var all = headers
        if let authorization { all["Authorization"] = authorization }
        let response = try http.send(method, target, headers: all, body: body, sourceLocation: sourceLocation)
        return (response, authorization)
    }

    /// Checks a refusal: `401 UNAUTHORIZED` with the mode's challenge (in token mode naming the realm,
    /// the service and, when a token was presented, `error="insufficient_scope"`) or `403 DENIED`.
    func expectRefusal(
        _ response: RegistryHTTP.Response, presentedToken: Bool, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        if response.status == 403 {
            response.expectError(status: 403, code: "DENIED", sourceLocation: sourceLocation)
            #expect(mode == .basic, "403 in token mode, where a token lacking scope gets a 401 challenge: \(response)",
                    sourceLocation: sourceLocation)
            return
        }
        response.expectError(status: 401, code: "UNAUTHORIZED", sourceLocation: sourceLocation)
        let challenge = response.header("WWW-Authenticate") ?? ""
        switch mode {
        case .basic:
            #expect(challenge == #"Basic realm="Klein Registry""#, "challenge: \(response)", sourceLocation: sourceLocation)
        case .token:
            #expect(challenge.hasPrefix(#"Bearer realm="http://\#(server.host)/token",service="\#(Self.service)""#),
                    "challenge: \(challenge)", sourceLocation: sourceLocation)
            #expect(challenge.contains(#"error="insufficient_scope""#) == presentedToken, "challenge: \(challenge)",
                    sourceLocation: sourceLocation)
        }
    }
}
