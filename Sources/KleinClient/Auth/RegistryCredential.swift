import Foundation

/// Credentials for one registry, as docker's `config.json`, containers' `auth.json`
/// and docker-credential-helpers store them.
///
/// `description` never shows a password or token, so a credential can be logged or put in an error safely.
public enum RegistryCredential: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A user name and password (or personal access token) for HTTP Basic (RFC 7617)
    /// or for the docker token spec's Basic-authenticated token request.
    case basic(username: String, password: String)
    /// Docker's `identitytoken`: an OAuth2 refresh token, exchanged at the token endpoint with
    /// `grant_type=refresh_token` (docker distribution `docs/spec/auth/oauth.md`).
    case identityToken(String)

    /// The RFC 7617 `Authorization` header value `Basic base64(user:password)`; nil for an identity token.
    public var basicAuthorizationHeader: String? { authField.map { "Basic \($0)" } }

    /// What kind of credential it is, with the user name but never the secret.
    public var description: String {
        switch self {
        case let .basic(username, _): "basic credentials for user \"\(username)\""
        case .identityToken: "an identity token"
        }
    }

    /// The same as `description`: no secret.
    public var debugDescription: String { description }
}

extension RegistryCredential {
    /// Decodes the `auth` field of an `auths` entry: base64 of `user:password`, split at the first colon.
    /// Padding may be omitted. Returns nil for an empty field. Errors name `source` and `location`
    /// (the file and the field's path in it) and never quote the secret.
    static func decodingAuthField(
        _ field: String, source: String, location: String
    ) throws(ClientError) -> RegistryCredential? {
        func failure(_ reason: String) -> ClientError { .credentials(source: source, reason: "\(location) \(reason)") }
        let trimmed = field.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        let padded = trimmed + String(repeating: "=", count: (4 - trimmed.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: padded) else { throw failure("is not valid base64") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw failure("does not decode to UTF-8 text")
        }
        guard let colon = text.firstIndex(of: ":") else {
            throw failure("does not decode to \"username:password\" (no colon)")
        }
        return .basic(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
    }

    /// The `auth` field docker writes for a Basic credential: base64 of `user:password`.
    var authField: String? {
        guard case let .basic(username, password) = self else { return nil }
        return Data("\(username):\(password)".utf8).base64EncodedString()
    }
}
