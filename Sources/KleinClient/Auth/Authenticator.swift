import AsyncHTTPClient
import Foundation
import KleinOCI
import KleinSystem
import NIOCore
import NIOHTTP1

/// Authentication against one registry: Basic, or the Docker token flow (distribution token-auth spec,
/// "Requesting a Token" and the OAuth2 form of "oauth.md"), with one cached token per set of scopes that
/// is renewed before it expires.
actor Authenticator {
    let registry: String
    let http: HTTPClient
    private let loadCredential: @Sendable () throws(ClientError) -> RegistryCredential?
    private var credential: RegistryCredential??
    /// The scheme the registry asked for, from the ping or a later 401.
    private var challenge: AuthChallenge?
    private var tokens: [String: Token] = [:]

    struct Token {
        let value: String
        let renewAfter: ContinuousClock.Instant
    }

    init(registry: String, http: HTTPClient, credential: @escaping @Sendable () throws(ClientError) -> RegistryCredential?) {
        self.registry = registry
        self.http = http
        self.loadCredential = credential
    }

    /// Remembers the challenge to answer proactively from now on: Bearer preferred over Basic.
    func learn(_ challenges: [AuthChallenge]) {
        if let bearer = challenges.first(where: { $0.scheme == "bearer" && $0.realm != nil }) {
            challenge = bearer
        } else if let basic = challenges.first(where: { $0.scheme == "basic" }) {
            challenge = basic
        }
    }

    /// The `Authorization` value for a request needing `scopes`, or nil when the registry asked for none.
    func authorization(for scopes: [String]) async throws(ClientError) -> String? {
        guard let challenge else { return nil }
        switch challenge.scheme {
        case "basic":
            return try await storedCredential()?.basicAuthorizationHeader
        case "bearer":
            let key = Self.key(scopes)
            if let token = tokens[key], ContinuousClock.now < token.renewAfter { return "Bearer \(token.value)" }
            let token = try await fetchToken(challenge: challenge, scopes: Set(scopes).sorted())
            tokens[key] = token
            return "Bearer \(token.value)"
        default:
            return nil
        }
    }

    /// Handles a 401: learns the challenge and gets a token carrying the scope it names. Throws when there
    /// is nothing new to try (no credentials, or credentials the registry already refused).
    func answer(_ challenges: [AuthChallenge], scopes: [String], request: String) async throws(ClientError) {
        let previous = challenge?.scheme
        learn(challenges)
        guard let challenge else {
            throw .unauthorized(registry: registry, request: request, reason: "HTTP 401 without a usable WWW-Authenticate challenge")
        }
        switch challenge.scheme {
        case "basic":
            guard let credential = try await storedCredential() else {
                throw .unauthorized(registry: registry, request: request, reason: "the registry wants credentials; run `klein login \(registry)` or pass --username/--password")
            }
            if previous == "basic" {
                throw .unauthorized(registry: registry, request: request, reason: "the registry rejected \(credential)")
            }
        case "bearer":
            // A fresh token covering both what the request needs and what the challenge names (an
            // `insufficient_scope` answer names the missing scope); a second refusal reaches the caller.
            let wanted = scopes + (challenge.scope.map { $0.split(separator: " ").map(String.init) } ?? [])
            tokens[Self.key(scopes)] = try await fetchToken(challenge: challenge, scopes: Set(wanted).sorted())
        default:
            throw .unauthorized(registry: registry, request: request, reason: "unsupported authentication scheme \"\(challenge.scheme)\"")
        }
    }

    /// The credential for this registry, looked up once, on a thread of its own: a credential helper
    /// is a process whose output is read with blocking calls.
    func storedCredential() async throws(ClientError) -> RegistryCredential? {
        if let credential { return credential }
        let loaded = try await onBackgroundThread(loadCredential)
        credential = .some(loaded)
        return loaded
    }

    private static func key(_ scopes: [String]) -> String { Set(scopes).sorted().joined(separator: " ") }
}
