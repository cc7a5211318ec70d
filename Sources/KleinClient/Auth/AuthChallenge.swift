/// One authentication challenge from a `WWW-Authenticate` response header
/// (RFC 7235 §4.1, §2.1; the Bearer parameters of RFC 6750 §3 and the docker token spec).
///
/// The scheme and the parameter names are compared case-insensitively, so both are stored lowercased;
/// parameter values are kept exactly as sent, with quoted-string escapes (RFC 7230 §3.2.6) removed.
package struct AuthChallenge: Sendable, Equatable {
    /// The auth-scheme, lowercased: `basic`, `bearer`, ….
    package var scheme: String
    /// The auth-params, keyed by lowercased name. When a name repeats, the first value wins.
    package var parameters: [String: String]

    /// A challenge of `scheme` with `parameters`, the scheme and parameter names lowercased as the parser does.
    package init(scheme: String, parameters: [String: String] = [:]) {
        self.scheme = scheme.lowercased()
        self.parameters = Dictionary(parameters.map { ($0.key.lowercased(), $0.value) }) { first, _ in first }
    }

    /// The protection space (RFC 7235 §2.2); for Bearer, the token endpoint URL.
    package var realm: String? { parameters["realm"] }
    /// The docker token spec's `service` parameter, passed back to the token endpoint.
    package var service: String? { parameters["service"] }
    /// The scope the registry asks for, e.g. `repository:library/alpine:pull` (RFC 6750 §3).
    package var scope: String? { parameters["scope"] }
    /// The error code of a refused token (RFC 6750 §3.1), e.g. `invalid_token`.
    package var error: String? { parameters["error"] }
    /// The token was valid but lacked the scope this request needs (RFC 6750 §3.1).
    package var isInsufficientScope: Bool { error == "insufficient_scope" }

    /// Parses every challenge in the given `WWW-Authenticate` header values.
    ///
    /// Each value may hold several challenges separated by commas (RFC 7235 §4.1).
    /// Challenges carrying a token68 instead of parameters are returned without parameters;
    /// text that fits neither form is skipped. Never fails: hostile input yields fewer challenges.
    package static func parse(_ headerValues: [String]) -> [AuthChallenge] {
        headerValues.flatMap { value in
            var scanner = ChallengeScanner(Array(value.utf8))
            return scanner.challenges()
        }
    }
}

/// A cursor over one header value implementing RFC 7235's challenge grammar:
///
///     challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
///     auth-param = token BWS "=" BWS ( token / quoted-string )
private struct ChallengeScanner {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }
    private var atListEnd: Bool { current == nil || current == UInt8(ascii: ",") }

    mutating func challenges() -> [AuthChallenge] {
        var result: [AuthChallenge] = []
        while true {
            skipSeparators()
            guard current != nil else { return result }
            let scheme = token()
            guard !scheme.isEmpty else {
                skipElement()
                continue
            }
            guard atListEnd || isWhitespace(current) else {
                skipElement()  // e.g. `realm="x"` with no scheme before it
                continue
            }
            skipWhitespace()
            result.append(AuthChallenge(scheme: scheme, parameters: parameters()))
        }
    }

    /// Reads the token68 or auth-params following a scheme, stopping before the next challenge's scheme.
    private mutating func parameters() -> [String: String] {
        if skipToken68() { return [:] }
        var parameters: [String: String] = [:]
        while true {
            skipSeparators()
            let start = position
            let name = token()
            if name.isEmpty {
                guard current != nil else { return parameters }
                skipElement()
                continue
            }
            skipWhitespace()
            guard current == UInt8(ascii: "=") else {
                position = start  // a token with no "=" begins the next challenge
                return parameters
            }
            position += 1
            skipWhitespace()
            let value = current == UInt8(ascii: "\"") ? quotedString() : unquotedValue()
            if parameters[name.lowercased()] == nil { parameters[name.lowercased()] = value }
        }
    }

    /// Skips `token68 *SP` when it is the whole credential part of a challenge (RFC 7235 §2.1).
    private mutating func skipToken68() -> Bool {
        let start = position
        while let byte = current, isToken68Character(byte) { position += 1 }
        let sawCharacters = position > start
        while current == UInt8(ascii: "=") { position += 1 }
        skipWhitespace()
        if sawCharacters && atListEnd { return true }
        position = start
        return false
    }

    private mutating func token() -> String {
        let start = position
        while let byte = current, isTokenCharacter(byte) { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// An unquoted value: a token, leniently extended to any run without whitespace, comma or quote,
    /// since some registries send `realm=https://host/token` unquoted.
    private mutating func unquotedValue() -> String {
        let start = position
        while let byte = current, !isWhitespace(byte), byte != UInt8(ascii: ","), byte != UInt8(ascii: "\"") {
            position += 1
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// A quoted-string with its quoted-pairs unescaped; an unterminated one runs to the end of the value.
    private mutating func quotedString() -> String {
        position += 1
        var value: [UInt8] = []
        while let byte = current {
            position += 1
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\"), let escaped = current {
                value.append(escaped)
                position += 1
            } else {
                value.append(byte)
            }
        }
        return String(decoding: value, as: UTF8.self)
    }

    /// Skips junk up to the next list separator, stepping over quoted strings so their commas do not count.
    private mutating func skipElement() {
        while let byte = current, byte != UInt8(ascii: ",") {
            if byte == UInt8(ascii: "\"") { _ = quotedString() } else { position += 1 }
        }
    }

    private mutating func skipWhitespace() {
        while isWhitespace(current) { position += 1 }
    }

    private mutating func skipSeparators() {
        while isWhitespace(current) || current == UInt8(ascii: ",") { position += 1 }
    }

    private func isWhitespace(_ byte: UInt8?) -> Bool { byte == 0x20 || byte == 0x09 }

    /// tchar, RFC 7230 §3.2.6.
    private func isTokenCharacter(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }

    /// token68's characters before its trailing `=` padding, RFC 7235 §2.1.
    private func isToken68Character(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || "-._~+/".utf8.contains(byte)
    }

    private func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
