/// A content digest, `algorithm:encoded` (image-spec descriptor.md, "Digests").
///
/// Only the registered algorithms `sha256` and `sha512` are accepted, with lowercase hex of
/// their exact length, so every `Digest` value can be verified.
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The hash function of a digest (descriptor.md, "Registered algorithms").
    public enum Algorithm: String, Sendable, CaseIterable {
        case sha256, sha512

        /// Length of the hex-encoded hash.
        public var encodedLength: Int { self == .sha256 ? 64 : 128 }
    }

    /// The hash algorithm.
    public let algorithm: Algorithm
    /// Lowercase hex of the hash.
    public let encoded: String

    /// Parses and validates `algorithm:encoded`.
    public init(_ string: String) throws(OCIError) {
        guard let colon = string.firstIndex(of: ":") else {
            throw .invalidDigest(input: string, reason: "expected \"algorithm:encoded\", found no \":\"")
        }
        let algorithmPart = string[..<colon]
        let encodedPart = string[string.index(after: colon)...]
        guard Digest.matchesAlgorithmGrammar(algorithmPart) else {
            throw .invalidDigest(input: string, reason: "algorithm \"\(algorithmPart)\" does not match [a-z0-9]+([+._-][a-z0-9]+)*")
        }
        guard !encodedPart.isEmpty, encodedPart.utf8.allSatisfy(Digest.isEncodedByte) else {
            throw .invalidDigest(input: string, reason: "encoded part must be non-empty and match [a-zA-Z0-9=_-]+")
        }
        guard let algorithm = Algorithm(rawValue: String(algorithmPart)) else {
            throw .invalidDigest(input: string, reason: "unsupported algorithm \"\(algorithmPart)\" (supported: sha256, sha512)")
        }
        guard encodedPart.utf8.count == algorithm.encodedLength else {
            throw .invalidDigest(input: string, reason: "\(algorithm.rawValue) needs \(algorithm.encodedLength) hex digits, found \(encodedPart.utf8.count)")
        }
        guard encodedPart.utf8.allSatisfy(Digest.isLowerHex) else {
            throw .invalidDigest(input: string, reason: "\(algorithm.rawValue) must be lowercase hex [a-f0-9]")
        }
        self.algorithm = algorithm
        self.encoded = String(encodedPart)
    }

    /// A digest from an already computed hash.
    public init(algorithm: Algorithm, hash: some Sequence<UInt8>) {
        self.algorithm = algorithm
        self.encoded = hexString(hash)
    }

    /// `algorithm:encoded`, e.g. `sha256:e3b0c4…`.
    public var description: String { "\(algorithm.rawValue):\(encoded)" }

    /// Orders digests by their text, for stable listings.
    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    /// The digest of `bytes` under `algorithm`.
    public static func of(_ bytes: some Collection<UInt8>, algorithm: Algorithm = .sha256) -> Digest {
        var hasher = DigestHasher(algorithm: algorithm)
        hasher.update(bytes)
        return hasher.finalize()
    }

    private static func matchesAlgorithmGrammar(_ part: Substring) -> Bool {
        var previousWasSeparator = true
        for byte in part.utf8 {
            let isComponent = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            let isSeparator = byte == 0x2B || byte == 0x2E || byte == 0x5F || byte == 0x2D
            if isComponent { previousWasSeparator = false }
            else if isSeparator && !previousWasSeparator { previousWasSeparator = true }
            else { return false }
        }
        return !previousWasSeparator
    }

    private static func isEncodedByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
            || byte == 0x3D || byte == 0x5F || byte == 0x2D
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x66) || (byte >= 0x30 && byte <= 0x39)
    }
}

private let hexDigits = Array("0123456789abcdef".utf8)

func hexString(_ bytes: some Sequence<UInt8>) -> String {
    var out = [UInt8]()
    for byte in bytes {
        out.append(hexDigits[Int(byte >> 4)])
        out.append(hexDigits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}
