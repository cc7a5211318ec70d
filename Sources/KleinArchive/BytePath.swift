/// A path or file name as the bytes a tar archive and the Linux file system store.
///
/// Linux file names are bytes, not Unicode: a name may be any bytes but `/` and NUL, need not be
/// UTF-8, and two spellings of the same text (`é` as one code point, or `e` and a combining accent)
/// are two different files. Paths are therefore compared, hashed, sorted and passed to the kernel
/// as bytes, never as `String`. A string literal gives its UTF-8 bytes.
public struct BytePath: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The path's bytes, without a terminating NUL.
    public var bytes: [UInt8]

    /// The path made of exactly these bytes.
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// The path whose bytes are the UTF-8 encoding of `string`.
    public init(_ string: String) { bytes = Array(string.utf8) }

    /// The path whose bytes are the UTF-8 encoding of the literal.
    public init(stringLiteral value: String) { self.init(value) }

    /// The path as text when its bytes are valid UTF-8, nil otherwise.
    public var string: String? { String(validating: bytes, as: UTF8.self) }

    /// The path for messages: valid UTF-8 as is, every other byte, and control characters, as `\xNN`.
    public var description: String {
        if let text = string, !bytes.contains(where: Self.isControl) { return text }
        var result = ""
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                if encoded.count == 1, Self.isControl(encoded.first!) {
                    result += Self.escape(encoded.first!)
                } else {
                    result.unicodeScalars.append(scalar)
                }
                offset += encoded.count
            case .error(let length):
                for byte in bytes[offset..<(offset + length)] { result += Self.escape(byte) }
                offset += length
            case .emptyInput:
                return result
            }
        }
    }

    /// Whether the path has no bytes.
    public var isEmpty: Bool { bytes.isEmpty }

    private static func isControl(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x7f }

    private static func escape(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16)
        return "\\x" + (hex.count == 1 ? "0" + hex : hex)
    }
}

extension BytePath {
    private static let slash = UInt8(ascii: "/")
    private static let dot = UInt8(ascii: ".")

    /// The path's components between slashes, empty ones dropped (`a//b/` gives `a`, `b`).
    package var components: [BytePath] {
        bytes.split(separator: Self.slash, omittingEmptySubsequences: true).map { BytePath(bytes: Array($0)) }
    }

    /// The components joined by single slashes.
    package init(joining components: some Collection<BytePath>) {
        var bytes: [UInt8] = []
        for (index, component) in components.enumerated() {
            if index > 0 { bytes.append(Self.slash) }
            bytes += component.bytes
        }
        self.init(bytes: bytes)
    }

    /// Whether this is exactly `.`.
    package var isDot: Bool { bytes.count == 1 && bytes[0] == Self.dot }

    /// Whether this is exactly `..`.
    package var isDotDot: Bool { bytes.count == 2 && bytes[0] == Self.dot && bytes[1] == Self.dot }

    /// Whether the path starts with a slash.
    package var isAbsolute: Bool { bytes.first == Self.slash }

    /// Whether the path ends with a slash.
    package var hasTrailingSlash: Bool { bytes.last == Self.slash }

    /// Whether the path's bytes start with `prefix`'s.
    package func hasPrefix(_ prefix: BytePath) -> Bool {
        bytes.count >= prefix.bytes.count && bytes[..<prefix.bytes.count].elementsEqual(prefix.bytes)
    }

    /// The path without its first `count` bytes.
    package func dropFirst(_ count: Int) -> BytePath { BytePath(bytes: Array(bytes.dropFirst(count))) }

    /// The path, a slash, then `component`: `a/b` appending `c` is `a/b/c`.
    package func appending(_ component: BytePath) -> BytePath { BytePath(bytes: bytes + [Self.slash] + component.bytes) }

    /// The path's bytes followed by `other`'s.
    package static func + (path: BytePath, other: BytePath) -> BytePath { BytePath(bytes: path.bytes + other.bytes) }

    /// Whether `path` sorts before `other` by bytes, the order of layers and of directory listings.
    package static func precedes(_ path: BytePath, _ other: BytePath) -> Bool {
        path.bytes.lexicographicallyPrecedes(other.bytes)
    }

    /// Calls `body` with the path as a NUL-terminated C string, copied to the stack, for system calls.
    /// A path with a NUL byte ends there for the kernel; tar readers and writers refuse such paths.
    package func withCString<Result>(_ body: (UnsafePointer<CChar>) throws -> Result) rethrows -> Result {
        try withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) { buffer in
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
            }
            buffer[bytes.count] = 0
            return try body(buffer.baseAddress!)
        }
    }
}
