import Foundation
import Testing

/// `klein serve --auth basic|token` with an htpasswd file from Apache `htpasswd -B` and an access policy
/// (`AuthRegistry.policy`): the exact status of every identity × operation, refusals shaped as the
/// distribution spec and the Docker token spec say, and skopeo through the real Docker token flow.
@Suite struct RegistryAuthInteropTests {
    /// One column of the matrix.
    enum Operation: String, CaseIterable {
        case base, pull, pullPublic = "public", upload, push, delete, catalog, mount
    }

    /// Expected statuses, columns in `Operation.allCases` order: base (`GET /v2/`), pull (`GET` a
    /// `team/app` manifest), public (`GET` a `public/site` manifest), upload (`POST` a blob upload), push
    /// (`PUT` a manifest), delete (`DELETE` a manifest), catalog, mount (into `team/app` from
    /// `secret/vault`, which only admin may pull: 202 = a plain upload session, 201 = mounted).
    /// Basic mode: no credentials 401, credentials lacking a grant 403. Token mode: a token lacking a
    /// grant gets 401 with `error="insufficient_scope"`.
    static let expected: [AuthServeMode: [AuthIdentity: [Int]]] = [
        .basic: [
            //               base pull publ upld push del  cat  mount
            .anonymous:      [401, 401, 200, 401, 401, 401, 401, 401],
            .reader:         [200, 200, 200, 403, 403, 403, 403, 403],
            .writer:         [200, 200, 200, 202, 201, 403, 403, 202],
            .admin:          [200, 200, 200, 202, 201, 202, 200, 201],
        ],
        .token: [
            .anonymous:      [401, 401, 200, 401, 401, 401, 401, 401],
            .anonymousToken: [200, 401, 200, 401, 401, 401, 401, 401],
            .reader:         [200, 200, 200, 401, 401, 401, 401, 401],
            .writer:         [200, 200, 200, 202, 201, 401, 401, 202],
            .admin:          [200, 200, 200, 202, 201, 202, 200, 201],
        ],
    ]

    @Test("every identity × operation answers the exact status", arguments: AuthServeMode.allCases)
    func authorizationMatrix(mode: AuthServeMode) async throws {
        let scratch = try Scratch()
        let data = "\(scratch.path)/data"
        let seed = try await AuthRegistry.seed(scratch: scratch, data: data)
        let registry = try AuthRegistry(scratch: scratch, mode: mode, data: data)
        defer { registry.stop() }
        let expected = try #require(Self.expected[mode])

        var observed: [AuthIdentity: [Int]] = [:]
        for identity in AuthIdentity.identities(in: mode) {
            for operation in Operation.allCases {
                observed[identity, default: []].append(try perform(operation, as: identity, on: registry, seed: seed))
            }
        }
        let table = Self.render(observed, identities: AuthIdentity.identities(in: mode))
        for identity in AuthIdentity.identities(in: mode) {
            for (column, operation) in Operation.allCases.enumerated() {
                #expect(observed[identity]?[column] == expected[identity]?[column],
                        "\(mode) \(identity.rawValue) \(operation.rawValue): expected \(expected[identity]?[column] ?? 0)\n\(table)")
            }
        }

        // What was refused left no trace; what was allowed happened.
        let pull = ["repository:team/app:pull"]
        for identity in AuthIdentity.identities(in: mode) {
            let column = { (operation: Operation) in Operation.allCases.firstIndex(of: operation)! }
            let deleted = expected[identity]?[column(.delete)] == 202
            let digest = try #require(seed.deletable[identity])
            try registry.send(.admin, "HEAD", "/v2/team/app/manifests/\(digest)", scopes: pull)
                .response.expectStatus(deleted ? 404 : 200)
            let pushed = expected[identity]?[column(.push)] == 201
            try registry.send(.admin, "HEAD", "/v2/team/app/manifests/by-\(identity.rawValue)", scopes: pull)
                .response.expectStatus(pushed ? 200 : 404)
        }
    }

    /// Sends one operation as `identity`, checks the answer's shape, and returns its status.
    private func perform(
        _ operation: Operation, as identity: AuthIdentity, on registry: AuthRegistry, seed: AuthSeed
    ) throws -> Int {
        let repository = "team/app"
        let pullPush = ["repository:\(repository):pull,push"]
        let (response, authorization): (RegistryHTTP.Response, String?)
        switch operation {
        case .base:
            (response, authorization) = try registry.send(identity, "GET", "/v2/", scopes: [])
        case .pull:
            (response, authorization) = try registry.send(
                identity, "GET", "/v2/\(repository)/manifests/v1", scopes: ["repository:\(repository):pull"],
                headers: ["Accept": TestContent.manifestType])
            if response.status == 200 { #expect(response.body == seed.image.manifest.data) }
        case .pullPublic:
            (response, authorization) = try registry.send(
                identity, "GET", "/v2/public/site/manifests/v1", scopes: ["repository:public/site:pull"],
                headers: ["Accept": TestContent.manifestType])
        case .upload:
            (response, authorization) = try registry.send(
                identity, "POST", "/v2/\(repository)/blobs/uploads/", scopes: pullPush, headers: ["Content-Length": "0"])
            if response.status == 202 {
                let blob = TestContent.randomLayer()
                var headers = ["Content-Type": "application/octet-stream"]
                headers["Authorization"] = authorization
                let put = try registry.http.send(
                    "PUT", LocationQuery.appending(try response.location(), [("digest", blob.digest)]), headers: headers, body: blob.data)
                put.expectStatus(201)
            }
        case .push:
            (response, authorization) = try registry.send(
                identity, "PUT", "/v2/\(repository)/manifests/by-\(identity.rawValue)", scopes: pullPush,
                headers: ["Content-Type": TestContent.manifestType], body: seed.image.manifest.data)
        case .delete:
            let digest = try #require(seed.deletable[identity])
            (response, authorization) = try registry.send(
                identity, "DELETE", "/v2/\(repository)/manifests/\(digest)", scopes: ["repository:\(repository):delete"])
        case .catalog:
            (response, authorization) = try registry.send(identity, "GET", "/v2/_catalog", scopes: ["registry:catalog:*"])
            if response.status == 200 {
                let repositories = try response.json()["repositories"] as? [String] ?? []
                #expect(Set(repositories).isSuperset(of: ["team/app", "secret/vault", "public/site"]), "\(response)")
            }
        case .mount:
            let layer = seed.secretLayer.digest
            (response, authorization) = try registry.send(
                identity, "POST", "/v2/\(repository)/blobs/uploads/?mount=\(layer)&from=secret/vault",
                scopes: pullPush + ["repository:secret/vault:pull"], headers: ["Content-Length": "0"])
            if [201, 202].contains(response.status) {
                _ = try response.location()
                // A refused mount must not have copied the blob in; a granted one must have.
                try registry.send(.admin, "HEAD", "/v2/\(repository)/blobs/\(layer)", scopes: ["repository:\(repository):pull"])
                    .response.expectStatus(response.status == 201 ? 200 : 404)
            }
        }
        if [401, 403].contains(response.status) {
            registry.expectRefusal(response, presentedToken: authorization?.hasPrefix("Bearer ") == true)
        }
        return response.status
    }

    static func render(_ observed: [AuthIdentity: [Int]], identities: [AuthIdentity]) -> String {
        let header = "identity    " + Operation.allCases.map { $0.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0) }.joined()
        let rows = identities.map { identity in
            identity.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                + (observed[identity] ?? []).map { "\($0)".padding(toLength: 8, withPad: " ", startingAt: 0) }.joined()
        }
        return ([header] + rows).joined(separator: "\n")
    }

    @Test("tokens live as long as auth.token_lifetime or --token-lifetime says", arguments: [false, true])
    func tokenLifetimeIsConfigurable(fromFlag: Bool) throws {
        let scratch = try Scratch()
        let config = try scratch.write("registry.toml", "[auth]\ntoken_lifetime = \"90s\"\n")
        let registry = try AuthRegistry(scratch: scratch, mode: .token,
                                        arguments: fromFlag ? ["--token-lifetime", "2m"] : ["--config", config])
        defer { registry.stop() }
        let expected = fromFlag ? 120 : 90
        let response = try registry.tokenRequest(credentials: AuthRegistry.basic("reader", AuthRegistry.passwords["reader"]!),
                                                 scopes: ["repository:team/app:pull"])
        let body = try response.json()
        #expect(body["expires_in"] as? Int == expected, "\(body)")
        let claims = try AuthRegistry.claims(of: try #require(body["token"] as? String))
        #expect((claims["exp"] as? Int).flatMap { exp in (claims["iat"] as? Int).map { exp - $0 } } == expected, "\(claims)")
    }

    @Test("the token endpoint grants exactly the policy's actions for each requested scope")
    func tokenGrantsFollowThePolicy() throws {
        let scratch = try Scratch()
        let registry = try AuthRegistry(scratch: scratch, mode: .token)
        defer { registry.stop() }
        let cases: [(AuthIdentity, String, String, [String])] = [
            (.anonymousToken, "repository:team/app:pull,push", "repository:team/app", []),
            (.anonymousToken, "repository:public/site:pull,push", "repository:public/site", ["pull"]),
            (.reader, "repository:team/app:pull,push,delete", "repository:team/app", ["pull"]),
            (.reader, "repository:public/site:pull,push", "repository:public/site", ["pull"]),
            (.writer, "repository:team/app:pull,push,delete", "repository:team/app", ["pull", "push"]),
            (.writer, "repository:secret/vault:pull", "repository:secret/vault", []),
            (.admin, "repository:secret/vault:*", "repository:secret/vault", ["delete", "pull", "push"]),
            (.writer, "registry:catalog:*", "registry:catalog", []),
            (.admin, "registry:catalog:*", "registry:catalog", ["*"]),
        ]
        for (identity, scope, resource, actions) in cases {
            let credentials = identity.user.map { AuthRegistry.basic($0, AuthRegistry.passwords[$0]!) }
            let granted = try registry.token(credentials: credentials, scopes: [scope]).access
            #expect(granted == [resource: actions], "\(identity.rawValue) asking for \(scope)")
        }
    }

    @Test("wrong, unknown, misplaced or forged credentials get 401", arguments: AuthServeMode.allCases)
    func badCredentialsAreUnauthorized(mode: AuthServeMode) async throws {
        let scratch = try Scratch()
        let data = "\(scratch.path)/data"
        _ = try await AuthRegistry.seed(scratch: scratch, data: data)
        let registry = try AuthRegistry(scratch: scratch, mode: mode, data: data)
        defer { registry.stop() }
        let wrong = AuthRegistry.basic("reader", "not-the-password")
        let unknown = AuthRegistry.basic("mallory", "reader-pass")
        let publicManifest = "/v2/public/site/manifests/v1"
        let accept = ["Accept": TestContent.manifestType]

        // Anonymous access to public/** does not excuse bad credentials: a header present is checked.
        try registry.http.send("GET", publicManifest, headers: accept).expectStatus(200)
        switch mode {
        case .basic:
            for credentials in [wrong, unknown, "Bearer not-a-token", "Basic !!!"] {
                for target in ["/v2/", publicManifest] {
                    let response = try registry.http.send("GET", target, headers: accept.merging(["Authorization": credentials]) { $1 })
                    response.expectStatus(401)
                    registry.expectRefusal(response, presentedToken: false)
                }
            }
        case .token:
            for credentials in [wrong, unknown] {
                let response = try registry.tokenRequest(credentials: credentials, scopes: ["repository:public/site:pull"])
                response.expectError(status: 401, code: "UNAUTHORIZED")
                #expect(response.header("WWW-Authenticate")?.hasPrefix("Basic realm=") == true, "\(response)")
            }
            // The registry itself takes only Bearer tokens: Basic credentials, even right ones, are refused.
            let right = AuthRegistry.basic("reader", AuthRegistry.passwords["reader"]!)
            for credentials in [right, wrong, "Bearer not-a-token", "Bearer a.b.c"] {
                let response = try registry.http.send("GET", publicManifest, headers: accept.merging(["Authorization": credentials]) { $1 })
                response.expectStatus(401)
                registry.expectRefusal(response, presentedToken: false)
            }

            // A token whose payload was edited to grant push is rejected (signature), as is one signed by
            // another registry's key.
            let (token, _) = try registry.token(credentials: right, scopes: ["repository:team/app:pull"])
            let forged = try Self.forge(token, grantingPushOn: "team/app")
            let forgedPush = try registry.http.send(
                "POST", "/v2/team/app/blobs/uploads/", headers: ["Authorization": "Bearer \(forged)", "Content-Length": "0"])
            forgedPush.expectStatus(401)
            registry.expectRefusal(forgedPush, presentedToken: false)

            let other = try AuthRegistry(scratch: scratch, mode: .token, data: "\(scratch.path)/other-data")
            defer { other.stop() }
            let foreign = try other.token(credentials: right, scopes: ["repository:team/app:pull"]).token
            let response = try registry.http.send(
                "GET", "/v2/team/app/manifests/v1", headers: accept.merging(["Authorization": "Bearer \(foreign)"]) { $1 })
            response.expectStatus(401)
            registry.expectRefusal(response, presentedToken: false)
            // The same request with this registry's own token works, so the 401 above is the key's doing.
            let own = "Bearer " + (try registry.token(credentials: right, scopes: ["repository:team/app:pull"]).token)
            try registry.http.send("GET", "/v2/team/app/manifests/v1", headers: accept.merging(["Authorization": own]) { $1 })
                .expectStatus(200)
        }
    }

    /// `token` with its payload's `access` replaced by pull and push on `repository`, signature kept.
    static func forge(_ token: String, grantingPushOn repository: String) throws -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        try #require(parts.count == 3)
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        let payloadBytes = try #require(Data(base64Encoded: base64))
        var claims = try #require(try JSONSerialization.jsonObject(with: payloadBytes) as? [String: Any])
        claims["access"] = [["type": "repository", "name": repository, "actions": ["pull", "push"]]]
        let payload = try JSONSerialization.data(withJSONObject: claims).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return [parts[0], payload, parts[2]].joined(separator: ".")
    }

    @Test("skopeo pushes and pulls through the Docker token flow; no or wrong credentials are refused")
    func skopeoTokenFlow() throws {
        let scratch = try Scratch()
        let layout = "\(scratch.path)/layout"
        try Tools.klein("layout", "init", layout)
        try ImageFixture.build(in: scratch, layout: layout, ref: "v1")
        let pushed = try RegistryFixtures.manifestDigest(layout: layout, ref: "v1")
        let registry = try AuthRegistry(scratch: scratch, mode: .token)
        defer { registry.stop() }
        let host = registry.server.host
        let creds = { (user: String) in "\(user):\(AuthRegistry.passwords[user]!)" }
        let push = { (arguments: [String], target: String) in
            try Tools.run("skopeo", ["copy", "--dest-tls-verify=false"] + arguments + ["oci:\(layout):v1", "docker://\(host)/\(target)"])
        }
        let pull = { (arguments: [String], source: String, into: String) in
            try Tools.run("skopeo", ["copy", "--src-tls-verify=false"] + arguments + ["docker://\(host)/\(source)", "oci:\(scratch.path)/\(into):v1"])
        }

        // Refused: no credentials, a user without push, a wrong password (the token endpoint's 401).
        let anonymousPush = try push(["--dest-no-creds"], "team/skopeo:v1")
        #expect(!anonymousPush.succeeded, "anonymous push was accepted")
        #expect(anonymousPush.stderr.contains("401") || anonymousPush.stderr.lowercased().contains("unauthorized"), "\(anonymousPush.stderr)")
        let readerPush = try push(["--dest-creds", creds("reader")], "team/skopeo:v1")
        #expect(!readerPush.succeeded, "reader push was accepted")
        let wrongPush = try push(["--dest-creds", "writer:wrong"], "team/skopeo:v1")
        #expect(!wrongPush.succeeded, "push with a wrong password was accepted")
        #expect(wrongPush.stderr.contains("401") || wrongPush.stderr.contains("invalid username/password"), "\(wrongPush.stderr)")

        // Writer pushes; reader pulls the same digest back; anonymous and wrong passwords cannot.
        let writerPush = try push(["--dest-creds", creds("writer")], "team/skopeo:v1")
        #expect(writerPush.succeeded, "\(writerPush.stderr)")
        let readerPull = try pull(["--src-creds", creds("reader")], "team/skopeo:v1", "back")
        #expect(readerPull.succeeded, "\(readerPull.stderr)")
        #expect(try RegistryFixtures.manifestDigest(layout: "\(scratch.path)/back", ref: "v1") == pushed)
        let anonymousPull = try pull(["--src-no-creds"], "team/skopeo:v1", "anonymous")
        #expect(!anonymousPull.succeeded, "anonymous pull of team/** was accepted")
        let wrongPull = try pull(["--src-creds", "reader:wrong"], "team/skopeo:v1", "wrong")
        #expect(!wrongPull.succeeded, "pull with a wrong password was accepted")
        #expect(wrongPull.stderr.contains("401") || wrongPull.stderr.contains("invalid username/password"), "\(wrongPull.stderr)")

        // public/** is pullable with an anonymous token.
        let publicPush = try push(["--dest-creds", creds("writer")], "public/skopeo:v1")
        #expect(publicPush.succeeded, "\(publicPush.stderr)")
        let publicPull = try pull(["--src-no-creds"], "public/skopeo:v1", "public")
        #expect(publicPull.succeeded, "\(publicPull.stderr)")
        #expect(try RegistryFixtures.manifestDigest(layout: "\(scratch.path)/public", ref: "v1") == pushed)
        try Tools.klein("registry", "fsck", "--data", registry.server.data)
    }
}
