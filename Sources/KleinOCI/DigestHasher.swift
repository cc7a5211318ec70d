import Crypto

/// Incremental hashing of a byte stream into a `Digest`, counting bytes as it goes.
public struct DigestHasher: Sendable {
    private enum Function: Sendable {
        case sha256(SHA256)
        case sha512(SHA512)
    }

    /// The hash algorithm.
    public let algorithm: Digest.Algorithm
    private var function: Function
    /// Bytes hashed so far.
    public private(set) var count: Int64 = 0

    /// A hasher that has hashed nothing yet.
    public init(algorithm: Digest.Algorithm = .sha256) {
        self.algorithm = algorithm
        switch algorithm {
        case .sha256: function = .sha256(SHA256())
        case .sha512: function = .sha512(SHA512())
        }
    }

    /// Hashes more bytes.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        count += Int64(buffer.count)
        switch function {
        case var .sha256(hash):
            hash.update(bufferPointer: buffer)
            function = .sha256(hash)
        case var .sha512(hash):
            hash.update(bufferPointer: buffer)
            function = .sha512(hash)
        }
    }

    /// Hashes more bytes.
    public mutating func update(_ bytes: some Collection<UInt8>) {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) {
            return done
        }
        let array = Array(bytes)
        array.withUnsafeBytes { update($0) }
    }

    /// The digest of every byte hashed.
    public func finalize() -> Digest {
        switch function {
        case let .sha256(hash): Digest(algorithm: .sha256, hash: hash.finalize())
        case let .sha512(hash): Digest(algorithm: .sha512, hash: hash.finalize())
        }
    }
}

/// Hashes a stream and checks it against an expected digest and size
/// (descriptor.md, "Verification": size first, then digest).
public struct VerifyingHasher: Sendable {
    /// The digest the stream must have.
    public let expectedDigest: Digest
    /// The size the stream must have, when known.
    public let expectedSize: Int64?
    private var hasher: DigestHasher

    /// A verifier for a stream of `expectedSize` bytes (when given) hashing to `expectedDigest`.
    public init(expectedDigest: Digest, expectedSize: Int64?) {
        self.expectedDigest = expectedDigest
        self.expectedSize = expectedSize
        self.hasher = DigestHasher(algorithm: expectedDigest.algorithm)
    }

    /// Bytes hashed so far.
    public var count: Int64 { hasher.count }

    /// Hashes more bytes; fails as soon as the stream grows past the expected size.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) throws(OCIError) {
        hasher.update(buffer)
        if let expectedSize, hasher.count > expectedSize {
            throw .sizeMismatch(expected: expectedSize, actual: hasher.count)
        }
    }

    /// Ends the stream: the size and then the digest must match.
    public func verify() throws(OCIError) -> Digest {
        if let expectedSize, hasher.count != expectedSize {
            throw .sizeMismatch(expected: expectedSize, actual: hasher.count)
        }
        let actual = hasher.finalize()
        guard actual == expectedDigest else { throw .digestMismatch(expected: expectedDigest, actual: actual) }
        return actual
    }
}
