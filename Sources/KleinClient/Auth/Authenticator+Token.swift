import AsyncHTTPClient
import Foundation
import KleinOCI
import NIOCore
import NIOHTTP1

extension Authenticator {
    /// Gets a token from the challenge's realm. With credentials it first tries the OAuth2 form POST
    /// (`grant_type=password`, or `refresh_token` for an identity token) and falls back to the GET form
    /// when the service does not offer it; anonymous requests use GET (token-auth spec, "Requesting a Token").
    func fetchToken(challenge: AuthChallenge, scopes: [String]) async throws(ClientError) -> Token {
        guard let realm = challenge.realm, let realmURL = URL(string: realm), realmURL.scheme == "https" || realmURL.scheme == "http" else {
            throw .protocolViolation(registry: registry, reason: "the Bearer challenge has no usable realm (\(challenge.realm ?? "none"))")
        }
        let credential = try await storedCredential()
        if let credential {
            var form = ["client_id": ["klein"], "scope": [scopes.joined(separator: " ")]]
            if let service = challenge.service { form["service"] = [service] }
            switch credential {
            case let .basic(username, password):
                form["grant_type"] = ["password"]
                form["username"] = [username]
                form["password"] = [password]
            case let .identityToken(token):
                form["grant_type"] = ["refresh_token"]
                form["refresh_token"] = [token]
            }
            var request = HTTPClientRequest(url: realm)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: FormEncoding.encode(form)))
            let response = try await exchange(request, realm: realm)
            // Services without the OAuth2 endpoint answer 404 (or 405/400); GET is the original protocol.
            if ![400, 404, 405, 501].contains(response.status) || credential.basicAuthorizationHeader == nil {
                return try parse(response, realm: realm, credential: credential)
            }
        }
        var query: [String: [String]] = ["scope": scopes]
        if let service = challenge.service { query["service"] = [service] }
        let separator = realm.contains("?") ? "&" : "?"
        var request = HTTPClientRequest(url: realm + (query.values.allSatisfy(\.isEmpty) ? "" : separator + FormEncoding.encode(query)))
        request.method = .GET
        if let header = credential?.basicAuthorizationHeader { request.headers.add(name: "Authorization", value: header) }
        return try parse(try await exchange(request, realm: realm), realm: realm, credential: credential)
    }

    private struct TokenResponse {
        let status: Int
        let body: [UInt8]
    }

    private func exchange(_ request: HTTPClientRequest, realm: String) async throws(ClientError) -> TokenResponse {
        do {
            let response = try await http.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            return TokenResponse(status: Int(response.status.code), body: Array(body.readableBytesView))
        } catch {
            throw .transport(TransportError(endpoint: registry, request: "token service \(realm)", stage: .connecting, underlying: error))
        }
    }

    /// Reads `token` or `access_token` and `expires_in` (default 60 s); renews at 80% of the lifetime.
    /// `credential` is what the request carried, named when the service refuses it.
    private func parse(_ response: TokenResponse, realm: String, credential: RegistryCredential?) throws(ClientError) -> Token {
        guard response.status == 200 else {
            let detail = ErrorBody(bytes: response.body).message
            if response.status == 401 || response.status == 403 {
                let who = credential.map { "the registry rejected \($0)" } ?? "anonymous access was refused; run `klein login \(registry)`"
                throw .unauthorized(registry: registry, request: "token request to \(realm)", reason: "\(who) (\(detail))")
            }
            throw .unauthorized(registry: registry, request: "token request to \(realm)", reason: "HTTP \(response.status): \(detail)")
        }
        let object = (try? JSONParser.parse(response.body))?.objectValue
        guard let value = object?["token"]?.stringValue ?? object?["access_token"]?.stringValue, !value.isEmpty else {
            throw .protocolViolation(registry: registry, reason: "the token service \(realm) answered without a token")
        }
        let lifetime = max(1, object?["expires_in"]?.int64Value ?? 60)
        return Token(value: value, renewAfter: .now + .milliseconds(lifetime * 800))
    }
}

/// `application/x-www-form-urlencoded` (WHATWG URL, "urlencoded serializing"), keys sorted, values repeated.
enum FormEncoding {
    static func encode(_ fields: [String: [String]]) -> String {
        fields.keys.sorted().flatMap { key in fields[key]!.map { "\(escape(key))=\(escape($0))" } }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.append(Character(UnicodeScalar(byte)))
            default:
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }
}
