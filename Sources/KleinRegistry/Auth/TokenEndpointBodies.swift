/// JSON bodies of the token endpoint's responses; field names are the wire names.

/// Docker registry token spec, "Token Response Fields".
struct TokenEndpointBody: Codable {
    var token: String
    var access_token: String
    var expires_in: Int
    var issued_at: String
}

/// Distribution spec error body, `{"errors":[{"code","message"}]}`.
struct TokenRegistryErrorBody: Codable {
    struct Entry: Codable {
        var code: String
        var message: String
    }
    var errors: [Entry]
}

/// RFC 6749 §5.2 error body.
struct TokenOAuthErrorBody: Codable {
    var error: String
    var error_description: String
}
