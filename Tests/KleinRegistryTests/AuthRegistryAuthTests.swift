import Foundation
import Testing
@testable import KleinRegistry

@Suite struct AuthRegistryAuthTests {
    static let publicPull = [AccessScope.repository("public/tools", "pull")]
    static let privatePull = [AccessScope.repository("private/app", "pull")]

    func basicAuth() throws -> RegistryAuth {
        RegistryAuth(mode: .basic(try AuthFixtures.htpasswd()), policy: try AuthFixtures.policy(), service: AuthFixtures.service)
    }

    func tokenAuth(_ authority: TokenAuthority = AuthFixtures.authority()) throws -> RegistryAuth {
        RegistryAuth(mode: .token(try AuthFixtures.htpasswd(), authority), policy: try AuthFixtures.policy(), service: AuthFixtures.service)
    }

    @Test func anonymousGrantsNeedNoCredentialsInEveryMode() async throws {
        for auth in [try basicAuth(), try tokenAuth()] {
            #expect(await auth.authorize(authorization: nil, required: Self.publicPull, tokenRealm: AuthFixtures.realm) == .allowed(user: nil))
            let push = [AccessScope.repository("public/tools", "pull", "push")]
            if case .allowed = await auth.authorize(authorization: nil, required: push, tokenRealm: AuthFixtures.realm) {
                Issue.record("anonymous push must not be allowed")
            }
        }
    }

    @Test func versionCheckNeedsCredentials() async throws {
        let basic = try basicAuth()
        #expect(await basic.authorize(authorization: nil, required: [], tokenRealm: "") == .unauthorized(challenge: #"Basic realm="Klein Registry""#))
        #expect(await basic.authorize(authorization: AuthFixtures.basic("rita", "reader-secret"), required: [], tokenRealm: "") == .allowed(user: "rita"))
        #expect(await basic.authorize(authorization: AuthFixtures.basic("rita", "nope"), required: [], tokenRealm: "") == .unauthorized(challenge: #"Basic realm="Klein Registry""#))
        let token = try tokenAuth()
        #expect(await token.authorize(authorization: nil, required: [], tokenRealm: AuthFixtures.realm)
            == .unauthorized(challenge: #"Bearer realm="http://127.0.0.1:5000/token",service="registry.test""#))
    }

    @Test func basicRealmIsConfigurable() async throws {
        let auth = RegistryAuth(mode: .basic(try AuthFixtures.htpasswd()), policy: .authenticatedFullAccess, service: "s", basicRealm: #"My "Reg""#)
        #expect(await auth.authorize(authorization: nil, required: Self.privatePull, tokenRealm: "")
            == .unauthorized(challenge: #"Basic realm="My \"Reg\"""#))
    }

    @Test(arguments: [
        AuthFixtures.basic("rita", "reader-secret"),
        "basic " + Data("rita:reader-secret".utf8).base64EncodedString(),
        "BASIC   " + Data("rita:reader-secret".utf8).base64EncodedString() + "  ",
    ])
    func basicSchemeIsCaseInsensitive(header: String) async throws {
        #expect(try await basicAuth().authorize(authorization: header, required: Self.privatePull, tokenRealm: "") == .allowed(user: "rita"))
    }

    @Test(arguments: [
        "", "Basic", "Basic ", "Basic !!!!", "Basic cml0YQ==", "Basic " + Data(":pw".utf8).base64EncodedString(),
        "Basic " + Data([0xFF, 0xFE, 0x3A, 0x41]).base64EncodedString(), "Bearer abc", "Digest abc",
        "Basic a b", String(repeating: "B", count: 20_000),
        AuthFixtures.basic("rita", "reader-secret") + "x",
    ])
    func malformedBasicHeadersAreUnauthorized(header: String) async throws {
        let decision = try await basicAuth().authorize(authorization: header, required: Self.publicPull, tokenRealm: "")
        #expect(decision == .unauthorized(challenge: #"Basic realm="Klein Registry""#))
    }

    @Test(arguments: [
        "", "Bearer", "Bearer ", "Bearer a.b.c", "bearer ...", AuthFixtures.basic("rita", "reader-secret"), "Bearer é",
    ])
    func malformedBearerHeadersAreUnauthorized(header: String) async throws {
        let decision = try await tokenAuth().authorize(authorization: header, required: Self.privatePull, tokenRealm: AuthFixtures.realm)
        #expect(decision == .unauthorized(challenge: #"Bearer realm="http://127.0.0.1:5000/token",service="registry.test",scope="repository:private/app:pull""#))
    }

    @Test func bearerSchemeIsCaseInsensitiveAndAudienceChecked() async throws {
        let authority = AuthFixtures.authority()
        let auth = try tokenAuth(authority)
        let good = try await authority.issue(subject: "rita", audience: AuthFixtures.service, access: Self.privatePull).token
        #expect(await auth.authorize(authorization: "bEaReR \(good)", required: Self.privatePull, tokenRealm: "r") == .allowed(user: "rita"))
        let foreign = try await authority.issue(subject: "rita", audience: "other-registry", access: Self.privatePull).token
        guard case .unauthorized = await auth.authorize(authorization: "Bearer \(foreign)", required: Self.privatePull, tokenRealm: "r") else {
            Issue.record("token for another audience accepted"); return
        }
    }

    @Test func multipleScopesInChallengeAndCoverage() async throws {
        let authority = AuthFixtures.authority()
        let auth = try tokenAuth(authority)
        let required = [AccessScope.repository("private/app", "pull", "push"), .repository("private/base", "pull")]
        let partial = try await authority.issue(subject: "walt", audience: AuthFixtures.service, access: [.repository("private/app", "*")]).token
        #expect(await auth.authorize(authorization: "Bearer \(partial)", required: required, tokenRealm: "http://h/token")
            == .unauthorized(challenge: #"Bearer realm="http://h/token",service="registry.test",scope="repository:private/app:pull,push repository:private/base:pull",error="insufficient_scope""#))
        let full = try await authority.issue(subject: "walt", audience: AuthFixtures.service, access: [.repository("private/app", "*"), .repository("private/base", "pull")]).token
        #expect(await auth.authorize(authorization: "Bearer \(full)", required: required, tokenRealm: "http://h/token") == .allowed(user: "walt"))
    }

    @Test func anonymousTokenIsAllowedForPublicPull() async throws {
        let auth = try tokenAuth()
        let response = await auth.tokenResponse(method: "GET", query: [("service", AuthFixtures.service), ("scope", "repository:public/tools:pull,push")], form: [], authorization: nil)
        let token = try #require(AuthFixtures.object(response.body)["token"] as? String)
        #expect(await auth.authorize(authorization: "Bearer \(token)", required: Self.publicPull, tokenRealm: "r") == .allowed(user: nil))
        #expect(await auth.authorize(authorization: "Bearer \(token)", required: [], tokenRealm: "r") == .allowed(user: nil))
    }

    @Test func challengeDropsControlCharacters() async throws {
        let decision = try await tokenAuth().authorize(authorization: nil, required: [], tokenRealm: "http://evil\r\nSet-Cookie: x/token")
        #expect(decision == .unauthorized(challenge: #"Bearer realm="http://evilSet-Cookie: x/token",service="registry.test""#))
    }
}
