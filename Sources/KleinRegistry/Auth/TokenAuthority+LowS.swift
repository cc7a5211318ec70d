import ExtrasBase64

/// ECDSA signatures are malleable: (r, s) and (r, n − s) both verify, so one signed token has two
/// encodings. Klein signs only with s ≤ n/2 and refuses a signature whose s is in the upper half (the
/// low-S rule of BIP 62 and libsecp256k1), so each token has exactly one valid form. swift-crypto,
/// under jwt-kit, neither normalizes nor checks s.
extension TokenAuthority {
    /// The order n of P-256's group (SEC 2, §2.4.2), big-endian.
    static let groupOrder: [UInt8] = hexBytes("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
    /// ⌊n / 2⌋: the largest s accepted.
    static let halfGroupOrder: [UInt8] = hexBytes("7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8")

    /// The compact token `token` with its ES256 signature in low-S form.
    static func withLowS(_ token: String) -> String {
        guard let dot = token.lastIndex(of: "."),
              let signature = try? Base64.decode(string: String(token[token.index(after: dot)...]), options: [.base64UrlAlphabet, .omitPaddingCharacter]),
              signature.count == 64, !isLowS(signature) else { return token }
        let s = Array(signature[32...])
        return String(token[...dot]) + base64URL(Array(signature[..<32]) + subtract(s, from: groupOrder))
    }

    /// Whether the signature part of a compact token has s ≤ n/2; a part that is not 64 bytes of
    /// base64url is left to jwt-kit to refuse.
    static func hasLowS(_ token: String) -> Bool {
        guard let dot = token.lastIndex(of: "."),
              let signature = try? Base64.decode(string: String(token[token.index(after: dot)...]), options: [.base64UrlAlphabet, .omitPaddingCharacter]),
              signature.count == 64 else { return true }
        return isLowS(signature)
    }

    /// s (the last 32 bytes of r‖s) ≤ ⌊n/2⌋, compared big-endian.
    static func isLowS(_ signature: [UInt8]) -> Bool {
        !halfGroupOrder.lexicographicallyPrecedes(signature[32...])
    }

    /// `minuend − subtrahend` for big-endian numbers of equal length, minuend ≥ subtrahend.
    private static func subtract(_ subtrahend: [UInt8], from minuend: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: minuend.count)
        var borrow = 0
        for index in stride(from: minuend.count - 1, through: 0, by: -1) {
            var difference = Int(minuend[index]) - Int(subtrahend[index]) - borrow
            borrow = difference < 0 ? 1 : 0
            if difference < 0 { difference += 256 }
            result[index] = UInt8(difference)
        }
        return result
    }

    private static func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }
}
