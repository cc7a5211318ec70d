/// Errors raised while loading authentication configuration (htpasswd files,
/// access policies, signing keys) or validating bearer tokens.
///
/// Every case carries the input it is about (a file path and line, a policy
/// source and key, a token part) and a human-readable reason. Bearer tokens
/// and passwords are credentials: they are never echoed back in an error.
public enum AuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file could not be read or written. `path` is the file, `reason` the
    /// system error.
    case io(path: String, reason: String)
    /// A line of an htpasswd file is invalid. `line` is 1-based.
    case htpasswd(path: String, line: Int, reason: String)
    /// An access policy is invalid. `key` is the TOML key path, e.g.
    /// `rule[2].actions` (rule indices are 1-based, in file order).
    case policy(source: String, key: String, reason: String)
    /// A token signing key file is invalid.
    case signingKey(path: String, reason: String)
    /// A bearer token was rejected. `part` names the part of the token that
    /// failed: `token`, `header`, `claims` or `signature`.
    case invalidToken(part: String, reason: String)
    /// jwt-kit could not take the signing key or sign a token (not expected
    /// for a valid P-256 key); `reason` is its error.
    case signing(reason: String)

    /// The input the error is about, then the reason; never a credential.
    public var description: String {
        switch self {
        case .io(let path, let reason):
            return "\(path): \(reason)"
        case .htpasswd(let path, let line, let reason):
            return "\(path):\(line): \(reason)"
        case .policy(let source, let key, let reason):
            return "\(source): \(key): \(reason)"
        case .signingKey(let path, let reason):
            return "\(path): signing key: \(reason)"
        case .invalidToken(let part, let reason):
            return "invalid bearer token (\(part)): \(reason)"
        case .signing(let reason):
            return "cannot sign bearer token: \(reason)"
        }
    }
}
