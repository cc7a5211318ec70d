/// The JOSE header of the tokens Klein signs (RFC 7515 §4).
struct JWTHeader: Codable, Sendable {
    var alg: String
    var typ: String?
    var kid: String?
    /// RFC 7515 §4.1.11: a token asking us to understand extensions we do not
    /// implement must be rejected.
    var crit: [String]?
}

/// One entry of the `access` claim (Docker registry token spec, "JWT
/// claims"): `{"type": …, "name": …, "actions": […]}`.
struct JWTAccessEntry: Codable, Sendable {
    var type: String
    var name: String
    var actions: [String]
}

/// The claims of a registry token (RFC 7519 §4.1 plus `access`).
struct JWTClaimSet: Codable, Sendable {
    var iss: String
    var sub: String
    var aud: JWTAudience
    var exp: Int64
    var nbf: Int64
    var iat: Int64
    var jti: String
    var access: [JWTAccessEntry]
}

/// RFC 7519 §4.1.3: `aud` is a string or an array of strings. Klein writes a
/// string and accepts both.
struct JWTAudience: Codable, Sendable {
    var values: [String]

    init(_ value: String) { values = [value] }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let single = try? container.decode(String.self) {
            values = [single]
        } else {
            values = try container.decode([String].self)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if values.count == 1 { try container.encode(values[0]) } else { try container.encode(values) }
    }
}
