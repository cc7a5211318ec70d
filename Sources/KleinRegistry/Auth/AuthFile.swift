import Foundation

/// Reads small UTF-8 configuration files (htpasswd, policy, signing keys)
/// with errors that name the file.
enum AuthFile {
    /// Larger files are rejected: configuration never needs this much.
    static let maximumSize = 16 << 20

    static func readText(_ path: String) throws(AuthError) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw AuthError.io(path: path, reason: "cannot read file: \(error.localizedDescription)")
        }
        guard data.count <= maximumSize else {
            throw AuthError.io(path: path, reason: "file is larger than \(maximumSize) bytes")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw AuthError.io(path: path, reason: "file is not valid UTF-8")
        }
        return text
    }
}
