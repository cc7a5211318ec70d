/// Errors raised by KleinOCI. Each case names the offending input and the reason.
public enum OCIError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A digest string that does not match image-spec descriptor.md's grammar or its algorithm's encoding.
    case invalidDigest(input: String, reason: String)
    /// Content whose digest is not the expected one.
    case digestMismatch(expected: Digest, actual: Digest)
    /// Content whose length is not the expected one.
    case sizeMismatch(expected: Int64, actual: Int64)
    /// Bytes that are not valid JSON; `offset` is the byte where parsing stopped.
    case invalidJSON(offset: Int, reason: String)
    /// A JSON document whose structure does not fit its schema; `path` locates the field (e.g. `layers[2].digest`).
    case invalidDocument(kind: String, path: String, reason: String)
    /// A reference string that does not match the distribution reference grammar.
    case invalidReference(input: String, reason: String)
    /// A platform string such as `linux/arm64/v8` that cannot be parsed.
    case invalidPlatform(input: String, reason: String)
    /// A media type that does not comply with RFC 6838.
    case invalidMediaType(input: String, reason: String)

    /// The error as one line: the offending input and the reason.
    public var description: String {
        switch self {
        case let .invalidDigest(input, reason):
            return "invalid digest \"\(input)\": \(reason)"
        case let .digestMismatch(expected, actual):
            return "digest mismatch: expected \(expected), got \(actual)"
        case let .sizeMismatch(expected, actual):
            return "size mismatch: expected \(expected) bytes, got \(actual)"
        case let .invalidJSON(offset, reason):
            return "invalid JSON at byte \(offset): \(reason)"
        case let .invalidDocument(kind, path, reason):
            return path.isEmpty ? "invalid \(kind): \(reason)" : "invalid \(kind): \(path): \(reason)"
        case let .invalidReference(input, reason):
            return "invalid reference \"\(input)\": \(reason)"
        case let .invalidPlatform(input, reason):
            return "invalid platform \"\(input)\": \(reason)"
        case let .invalidMediaType(input, reason):
            return "invalid media type \"\(input)\": \(reason)"
        }
    }
}
