import Foundation
import Testing
@testable import KleinRegistry

@Suite struct AuthTokenEndpointTests {
    let authority = AuthFixtures.authority()

    func auth() throws -> RegistryAuth {
        RegistryAuth(mode: .token(try AuthFixtures.htpasswd(), authority), policy: try AuthFixtures.policy(), service: AuthFixtures.service)
    }

    func access(of response: TokenEndpointResponse) async throws -> TokenClaims {
        let token = try #require(AuthFixtures.object(response.body)["token"] as? String)
        return try await authority.validate(token, audience: AuthFixtures.service)
    }

    @Test func getWithBasicCredentialsGrantsPolicyActions() async throws {
        let response = try await auth().tokenResponse(
            method: "GET",
            query: [("service", AuthFixtures.service), ("scope", "repository:private/app:pull,push"),
                    ("scope", "repository:private/base:pull repository:private/app:delete"), ("account", "walt")],
            form: [], authorization: AuthFixtures.basic("walt", "writer-secret"))
        #expect(response.status == 200)
        #expect(response.header("content-type") == "application/json")
        #expect(response.header("Cache-Control") == "no-store")
        let body = AuthFixtures.object(response.body)
        #expect(Set(body.keys) == ["token", "access_token", "expires_in", "issued_at"])
        #expect(body["token"] as? String == body["access_token"] as? String)
        #expect(body["expires_in"] as? Int == 300)
        #expect((body["issued_at"] as? String)?.hasSuffix("Z") == true)
        let claims = try await access(of: response)
        #expect(claims.subject == "walt")
        #expect(claims.access == [.repository("private/app", "pull", "push"), .repository("private/base", "pull")])
    }

    @Test func scopesGrantedNothingAreListedWithEmptyActions() async throws {
        let response = try await auth().tokenResponse(
            method: "GET", query: [("service", AuthFixtures.service), ("scope", "repository:private/app:pull"), ("scope", "registry:catalog:*")],
            form: [], authorization: nil)
        #expect(response.status == 200)
        let claims = try await access(of: response)
        #expect(claims.subject == "")
        #expect(claims.access == [
            AccessScope(resourceType: "repository", name: "private/app", actions: []),
            AccessScope(resourceType: "registry", name: "catalog", actions: []),
        ])
    }

    @Test func getWithoutServiceOrScopeIssuesPlainToken() async throws {
        let response = try await auth().tokenResponse(method: "GET", query: [], form: [], authorization: AuthFixtures.basic("ada", "admin-secret"))
        #expect(response.status == 200)
        #expect(try await access(of: response) == TokenClaims(subject: "ada", access: []))
    }

    @Test(arguments: [
        AuthFixtures.basic("walt", "wrong"), AuthFixtures.basic("nobody", "x"), "Basic !!!", "Bearer abc",
    ])
    func wrongCredentialsAre401(header: String) async throws {
        let response = try await auth().tokenResponse(method: "GET", query: [("service", AuthFixtures.service)], form: [], authorization: header)
        #expect(response.status == 401)
        #expect(response.header("WWW-Authenticate") == #"Basic realm="Klein Registry""#)
        let errors = AuthFixtures.object(response.body)["errors"] as? [[String: Any]]
        #expect(errors?.first?["code"] as? String == "UNAUTHORIZED")
        #expect(errors?.first?["message"] is String)
    }

    @Test(arguments: [
        [("service", "other.example")],
        [("service", AuthFixtures.service), ("scope", "repository:app")],
        [("service", AuthFixtures.service), ("scope", "repository::pull")],
        [("service", AuthFixtures.service), ("account", "rita")],
        [("service", AuthFixtures.service), ("scope", (0..<65).map { "repository:r\($0):pull" }.joined(separator: " "))],
    ])
    func badGetRequestsAre400(query: [(String, String)]) async throws {
        let response = try await auth().tokenResponse(method: "GET", query: query, form: [], authorization: AuthFixtures.basic("walt", "writer-secret"))
        #expect(response.status == 400)
        #expect((AuthFixtures.object(response.body)["errors"] as? [[String: Any]])?.first?["code"] as? String == "INVALID_REQUEST")
    }

    @Test func postPasswordGrant() async throws {
        let response = try await auth().tokenResponse(
            method: "POST", query: [],
            form: [("grant_type", "password"), ("username", "rita"), ("password", "reader-secret"),
                   ("service", AuthFixtures.service), ("scope", "repository:private/app:pull,push registry:catalog:*"),
                   ("client_id", "docker")],
            authorization: nil)
        #expect(response.status == 200)
        #expect(AuthFixtures.object(response.body)["access_token"] is String)
        let claims = try await access(of: response)
        #expect(claims.subject == "rita")
        #expect(claims.access == [.repository("private/app", "pull"), AccessScope(resourceType: "registry", name: "catalog", actions: [])])
    }

    @Test(arguments: [
        ([("grant_type", "refresh_token"), ("refresh_token", "x")], "unsupported_grant_type"),
        ([("grant_type", "client_credentials")], "unsupported_grant_type"),
        ([("username", "rita"), ("password", "reader-secret")], "invalid_request"),
        ([("grant_type", "password"), ("username", "rita")], "invalid_request"),
        ([("grant_type", "password"), ("username", "rita"), ("password", "nope")], "invalid_grant"),
        ([("grant_type", "password"), ("username", "rita"), ("password", "reader-secret"), ("service", "x")], "invalid_request"),
        ([("grant_type", "password"), ("username", "rita"), ("password", "reader-secret"), ("scope", "bad")], "invalid_scope"),
    ])
    func badPostRequestsAre400(form: [(String, String)], error: String) async throws {
        let response = try await auth().tokenResponse(method: "POST", query: [], form: form, authorization: nil)
        #expect(response.status == 400)
        #expect(AuthFixtures.object(response.body)["error"] as? String == error)
    }

    @Test func otherMethodsAre405() async throws {
        let response = try await auth().tokenResponse(method: "PUT", query: [], form: [], authorization: nil)
        #expect(response.status == 405)
        #expect(response.header("Allow") == "GET, POST")
    }

    @Test func endpointIsAbsentOutsideTokenMode() async throws {
        for mode in [AuthMode.anonymous, .basic(try AuthFixtures.htpasswd())] {
            let auth = RegistryAuth(mode: mode, policy: .authenticatedFullAccess, service: "s")
            let response = await auth.tokenResponse(method: "GET", query: [("service", "s")], form: [], authorization: nil)
            #expect(response.status == 404)
        }
    }
}
