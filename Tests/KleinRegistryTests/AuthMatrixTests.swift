import Foundation
import Testing
@testable import KleinRegistry

/// The authorization matrix: (anonymous, reader, writer, admin) ×
/// (pull, push, delete, catalog) on the protected repository `private/app`,
/// in Basic and token mode, with exact decisions.
@Suite struct AuthMatrixTests {
    enum Principal: String, CaseIterable, Sendable {
        case anonymous, reader, writer, admin
        var credentials: (user: String, password: String)? {
            switch self {
            case .anonymous: nil
            case .reader: AuthFixtures.passwords[0]
            case .writer: AuthFixtures.passwords[1]
            case .admin: AuthFixtures.passwords[2]
            }
        }
    }

    enum Operation: String, CaseIterable, Sendable {
        case pull, push, delete, catalog
        var scope: AccessScope {
            self == .catalog ? .catalog : .repository("private/app", rawValue)
        }
    }

    /// Which (principal, operation) pairs the fixture policy grants.
    static func granted(_ principal: Principal, _ operation: Operation) -> Bool {
        switch principal {
        case .anonymous: false
        case .reader: operation == .pull
        case .writer: operation == .pull || operation == .push
        case .admin: true
        }
    }

    static let cases: [(Principal, Operation)] = Principal.allCases.flatMap { p in Operation.allCases.map { (p, $0) } }

    @Test(arguments: cases)
    func basicMode(principal: Principal, operation: Operation) async throws {
        let auth = RegistryAuth(mode: .basic(try AuthFixtures.htpasswd()), policy: try AuthFixtures.policy(), service: AuthFixtures.service)
        let header = principal.credentials.map { AuthFixtures.basic($0.user, $0.password) }
        let decision = await auth.authorize(authorization: header, required: [operation.scope], tokenRealm: AuthFixtures.realm)
        let expected: AuthDecision = switch principal {
        case .anonymous: .unauthorized(challenge: #"Basic realm="Klein Registry""#)
        default: Self.granted(principal, operation) ? .allowed(user: principal.credentials?.user) : .denied
        }
        #expect(decision == expected)
    }

    @Test(arguments: cases)
    func tokenMode(principal: Principal, operation: Operation) async throws {
        let auth = RegistryAuth(
            mode: .token(try AuthFixtures.htpasswd(), AuthFixtures.authority()),
            policy: try AuthFixtures.policy(), service: AuthFixtures.service)
        let header = principal.credentials.map { AuthFixtures.basic($0.user, $0.password) }
        let response = await auth.tokenResponse(
            method: "GET",
            query: [("service", AuthFixtures.service), ("scope", operation.scope.description)],
            form: [], authorization: header)
        #expect(response.status == 200)
        let token = try #require(AuthFixtures.object(response.body)["token"] as? String)
        let decision = await auth.authorize(authorization: "Bearer \(token)", required: [operation.scope], tokenRealm: AuthFixtures.realm)
        let challenge = #"Bearer realm="http://127.0.0.1:5000/token",service="registry.test",scope="\#(operation.scope)""#
        let expected: AuthDecision = Self.granted(principal, operation)
            ? .allowed(user: principal.credentials?.user)
            : .unauthorized(challenge: challenge + #",error="insufficient_scope""#)
        #expect(decision == expected)
        let withoutToken = await auth.authorize(authorization: nil, required: [operation.scope], tokenRealm: AuthFixtures.realm)
        #expect(withoutToken == .unauthorized(challenge: challenge))
    }

    @Test(arguments: Operation.allCases)
    func anonymousModeAllowsEverything(operation: Operation) async {
        let auth = RegistryAuth(mode: .anonymous, policy: .anonymousFullAccess, service: "s")
        #expect(await auth.authorize(authorization: nil, required: [operation.scope], tokenRealm: "") == .allowed(user: nil))
        #expect(await auth.authorize(authorization: "Basic !!!", required: [operation.scope], tokenRealm: "") == .allowed(user: nil))
    }
}
