import Foundation

/// A parsed `Authorization` request header (RFC 9110 §11.6.2): the scheme
/// is case-insensitive, separated from its credentials by spaces.
enum AuthorizationHeader: Equatable {
    /// RFC 7617: `Basic base64(user ":" password)`.
    case basic(user: String, password: String)
    /// RFC 6750 §2.1: `Bearer <token>`.
    case bearer(String)

    /// Longer headers are rejected unparsed.
    static let maximumLength = 16 << 10

    /// Returns `nil` for an unknown scheme or malformed credentials.
    init?(_ header: String) {
        guard header.utf8.count <= Self.maximumLength else { return nil }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else { return nil }
        let scheme = trimmed[..<space].lowercased()
        let credentials = trimmed[space...].trimmingCharacters(in: .whitespaces)
        guard !credentials.isEmpty, !credentials.contains(" ") else { return nil }
        switch scheme {
        case "basic":
            guard let data = Data(base64Encoded: credentials),
                  let decoded = String(data: data, encoding: .utf8),
                  let colon = decoded.firstIndex(of: ":")
            else { return nil }
            let user = String(decoded[..<colon])
            guard !user.isEmpty else { return nil }
            self = .basic(user: user, password: String(decoded[decoded.index(after: colon)...]))
        case "bearer":
            self = .bearer(credentials)
        default:
            return nil
        }
    }
}
