/// A validated bcrypt hash string as found in an htpasswd file.
///
/// Format (OpenBSD bcrypt, Apache `htpasswd -B`):
/// `$2<a|b|y>$<cost>$<22 salt chars><31 hash chars>`, 60 characters in the
/// bcrypt base64 alphabet `./A-Za-z0-9`. `$2y$` (PHP's name for the fixed
/// algorithm) is identical to `$2b$` and is normalized to it, because the
/// bcrypt implementation used here only knows `$2a$` and `$2b$`.
struct BcryptHash: Sendable, Equatable {
    /// The hash, normalized to a prefix the verifier understands.
    let value: String
    /// log2 of the number of rounds.
    let cost: Int

    /// Highest accepted cost: Apache `htpasswd -C` allows 4...17. Higher costs
    /// take minutes per verification and would stall request handling.
    static let maximumCost = 17

    /// Validates `text`; the error is a reason suitable for a diagnostic.
    static func parse(_ text: String) -> Result<BcryptHash, HashError> {
        let bytes = Array(text.utf8)
        guard bytes.count >= 4, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
              bytes[3] == UInt8(ascii: "$")
        else { return .failure(HashError(reason: "not a bcrypt hash (only $2a$, $2b$ and $2y$ hashes are supported)")) }
        let variant = bytes[2]
        guard variant == UInt8(ascii: "a") || variant == UInt8(ascii: "b") || variant == UInt8(ascii: "y") else {
            return .failure(HashError(reason: "unsupported bcrypt variant $2\(Character(Unicode.Scalar(variant)))$ (expected $2a$, $2b$ or $2y$)"))
        }
        guard bytes.count == 60 else {
            return .failure(HashError(reason: "bcrypt hash has \(bytes.count) characters, expected 60"))
        }
        guard let tens = digit(bytes[4]), let ones = digit(bytes[5]), bytes[6] == UInt8(ascii: "$") else {
            return .failure(HashError(reason: "bcrypt cost must be two digits followed by '$'"))
        }
        let cost = tens * 10 + ones
        guard (4...maximumCost).contains(cost) else {
            return .failure(HashError(reason: "bcrypt cost \(cost) is outside 4...\(maximumCost)"))
        }
        guard bytes[7...].allSatisfy(isBcryptBase64) else {
            return .failure(HashError(reason: "bcrypt salt/hash contains characters outside ./A-Za-z0-9"))
        }
        let normalized = variant == UInt8(ascii: "y") ? "$2b$" + text.dropFirst(4) : text
        return .success(BcryptHash(value: normalized, cost: cost))
    }

    struct HashError: Error {
        let reason: String
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }

    private static func isBcryptBase64(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: "/"),
             UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return false
        }
    }
}
