import Foundation
import HummingbirdBcrypt

/// Users and bcrypt password hashes from an Apache-style htpasswd file.
///
/// Format (Apache `htpasswd -B`, as read by CNCF Distribution's `htpasswd`
/// auth): one `user:hash` per line; blank lines and lines starting with `#`
/// are ignored. Only bcrypt hashes (`$2a$`, `$2b$`, `$2y$`, cost 4...17) are
/// accepted: MD5-crypt, SHA-1 and plain text are rejected, as is a user
/// listed twice.
public struct Htpasswd: Sendable {
    private let hashes: [String: BcryptHash]
    /// Verified against for unknown users so that a missing user costs the
    /// same bcrypt work as a wrong password (no user enumeration by timing).
    /// Generated once per instance with the highest cost found in the file.
    private let dummyHash: String
    let cache: VerificationCache
    /// Where ``check(user:password:client:)`` runs bcrypt and counts tries.
    let checks: PasswordChecks

    /// Loads and validates an htpasswd file.
    public init(contentsOf path: String) throws(AuthError) {
        try self.init(contents: AuthFile.readText(path), source: path)
    }

    /// Parses htpasswd text; `source` names it in errors (usually its path).
    public init(contents: String, source: String) throws(AuthError) {
        var hashes: [String: BcryptHash] = [:]
        for (index, rawLine) in contents.split(omittingEmptySubsequences: false, whereSeparator: Self.isLineBreak).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw AuthError.htpasswd(path: source, line: lineNumber, reason: "expected 'user:hash'")
            }
            let user = String(line[..<colon])
            let hashText = String(line[line.index(after: colon)...])
            guard !user.isEmpty else {
                throw AuthError.htpasswd(path: source, line: lineNumber, reason: "empty user name")
            }
            guard !user.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) else {
                throw AuthError.htpasswd(path: source, line: lineNumber, reason: "user name contains whitespace or control characters")
            }
            guard hashes[user] == nil else {
                throw AuthError.htpasswd(path: source, line: lineNumber, reason: "user '\(user)' is listed more than once")
            }
            switch BcryptHash.parse(hashText) {
            case .success(let hash):
                hashes[user] = hash
            case .failure(let error):
                throw AuthError.htpasswd(path: source, line: lineNumber, reason: "user '\(user)': \(error.reason)")
            }
        }
        self.hashes = hashes
        let dummyCost = hashes.values.map(\.cost).max() ?? 10
        var random = SystemRandomNumberGenerator()
        let dummyPassword = String((0..<24).map { _ in Character(Unicode.Scalar(UInt8.random(in: 0x61...0x7A, using: &random))) })
        self.dummyHash = Bcrypt.hash(dummyPassword, cost: UInt8(dummyCost))
        self.cache = VerificationCache()
        self.checks = PasswordChecks(width: max(1, ProcessInfo.processInfo.activeProcessorCount / 2))
    }

    /// ``verify(user:password:)`` for a request from `client`, off the shared thread pool and refused
    /// unchecked for a client that failed too often (see ``PasswordChecks``).
    func check(user: String, password: String, client: String) async -> PasswordChecks.Verdict {
        await checks.check(user: user, password: password, client: client, in: self)
    }

    /// `\n`, or `\r\n` (a single `Character` in Swift, so splitting on `\n`
    /// alone would miss it).
    private static func isLineBreak(_ character: Character) -> Bool {
        character == "\n" || character == "\r\n"
    }

    /// The users defined in the file, sorted.
    public var users: [String] { hashes.keys.sorted() }

    /// Whether `password` is `user`'s password. Successful verifications are
    /// cached (see ``VerificationCache``); an unknown user, or a password
    /// containing NUL (which bcrypt would silently truncate), costs one bcrypt
    /// against a dummy hash and returns `false`.
    public func verify(user: String, password: String) -> Bool {
        guard let hash = hashes[user], !password.utf8.contains(0) else {
            _ = Bcrypt.verify("dummy", hash: dummyHash)
            return false
        }
        if cache.contains(user: user, password: password) { return true }
        guard Bcrypt.verify(password, hash: hash.value) else { return false }
        cache.insert(user: user, password: password)
        return true
    }
}
