import Testing
@testable import KleinOCI

@Suite struct DigestTests {
    static let sha256Empty = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let sha512Abc = "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"

    @Test(arguments: [sha256Empty, sha512Abc])
    func parsesValidDigests(_ text: String) throws {
        let digest = try Digest(text)
        #expect(digest.description == text)
    }

    @Test(arguments: [
        ("", "no \":\""),
        ("sha256", "no \":\""),
        ("sha256:", "encoded part"),
        (":abc", "algorithm"),
        ("SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "algorithm"),
        ("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "lowercase hex"),
        ("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85", "64 hex digits, found 63"),
        ("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555", "64 hex digits, found 65"),
        ("sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "lowercase hex"),
        ("sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "128 hex digits"),
        ("md5:d41d8cd98f00b204e9800998ecf8427e", "unsupported algorithm \"md5\""),
        ("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8", "unsupported algorithm"),
        ("sha256+:abc", "algorithm"),
        ("sha256:abc def", "encoded part"),
        ("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n", "encoded part"),
        ("sha-256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "unsupported algorithm"),
    ])
    func rejectsInvalidDigests(_ text: String, _ reason: String) {
        #expect {
            try Digest(text)
        } throws: { error in
            guard case let .invalidDigest(input, message) = error as? OCIError else { return false }
            return input == text && message.contains(reason)
        }
    }

    @Test func hashesKnownVectors() throws {
        #expect(Digest.of([UInt8]()) == (try Digest(Self.sha256Empty)))
        #expect(Digest.of(Array("abc".utf8), algorithm: .sha512) == (try Digest(Self.sha512Abc)))
    }

    @Test func streamingMatchesOneShot() {
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var hasher = DigestHasher()
        for chunk in stride(from: 0, to: bytes.count, by: 4093) {
            hasher.update(bytes[chunk..<min(chunk + 4093, bytes.count)])
        }
        #expect(hasher.finalize() == Digest.of(bytes))
        #expect(hasher.count == 100_000)
    }

    @Test func verifierChecksSizeThenDigest() throws {
        let bytes = Array("hello".utf8)
        let digest = Digest.of(bytes)
        var exact = VerifyingHasher(expectedDigest: digest, expectedSize: 5)
        try bytes.withUnsafeBytes { try exact.update($0) }
        #expect(try exact.verify() == digest)

        var short = VerifyingHasher(expectedDigest: digest, expectedSize: 6)
        try bytes.withUnsafeBytes { try short.update($0) }
        #expect(throws: OCIError.sizeMismatch(expected: 6, actual: 5)) { try short.verify() }

        var long = VerifyingHasher(expectedDigest: digest, expectedSize: 4)
        #expect(throws: OCIError.sizeMismatch(expected: 4, actual: 5)) {
            try bytes.withUnsafeBytes { try long.update($0) }
        }

        var wrong = VerifyingHasher(expectedDigest: Digest.of([UInt8]()), expectedSize: nil)
        try bytes.withUnsafeBytes { try wrong.update($0) }
        #expect(throws: OCIError.digestMismatch(expected: Digest.of([UInt8]()), actual: digest)) { try wrong.verify() }
    }
}
