import Foundation
import HummingbirdBcrypt
@testable import KleinRegistry

/// Shared fixtures for the auth tests: users, their bcrypt hashes (cost 4 to
/// keep tests fast), a policy, temporary directories and header builders.
enum AuthFixtures {
    /// reader, writer and admin of the authorization matrix.
    static let passwords: [(user: String, password: String)] = [
        ("rita", "reader-secret"), ("walt", "writer-secret"), ("ada", "admin-secret"),
    ]

    static let htpasswdText: String = {
        var lines = ["# Klein test users", ""]
        for (user, password) in passwords {
            lines.append("\(user):\(Bcrypt.hash(password, cost: 4))")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    static func htpasswd() throws -> Htpasswd {
        try Htpasswd(contents: htpasswdText, source: "test.htpasswd")
    }

    /// reader: pull everything; writer (via group): pull+push; admin: all
    /// plus catalog; anyone: pull of `public/**`.
    static let policyTOML = """
        [groups]
        writers = ["walt"]

        [[rule]]
        repositories = ["public/**"]
        anonymous = true
        actions = ["pull"]

        [[rule]]
        repositories = ["**"]
        users = ["rita"]
        actions = ["pull"]

        [[rule]]
        repositories = ["**"]
        groups = ["writers"]
        actions = ["pull", "push"]

        [[rule]]
        repositories = ["**"]
        users = ["ada"]
        actions = ["*", "catalog"]
        """

    static func policy() throws -> AccessPolicy {
        try AccessPolicy(toml: policyTOML, source: "test-policy.toml")
    }

    /// Runs `body` with a new empty directory, removed afterwards.
    static func inTemporaryDirectory(_ body: (String) throws -> Void) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("klein-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        try body(url.path)
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    static let service = "registry.test"
    static let realm = "http://127.0.0.1:5000/token"

    static func authority() -> TokenAuthority {
        TokenAuthority(privateKey: .init(), issuer: "klein-test")
    }

    /// Decodes a base64url JWT part to its JSON text.
    static func jsonPart(_ token: String, _ index: Int) -> String {
        let part = token.split(separator: ".", omittingEmptySubsequences: false)[index]
        return String(decoding: base64URLDecoded(part) ?? [], as: UTF8.self)
    }

    /// Decodes unpadded base64url (RFC 4648 §5).
    static func base64URLDecoded(_ text: Substring) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.utf8.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map(Array.init)
    }

    static func object(_ bytes: [UInt8]) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
    }
}
