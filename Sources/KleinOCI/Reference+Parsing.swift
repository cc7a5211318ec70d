/// Hand-rolled scanners for the image reference grammar of distribution/reference
/// (`regexp.go` for the productions, `normalize.go` for Docker Hub normalization,
/// `reference.go` for the length limit). They work on UTF-8 bytes and return the reason
/// a piece is invalid, or `nil` when it matches.
///
///     reference        := name [ ":" tag ] [ "@" digest ]
///     name             := [ domain "/" ] path
///     domain           := host [ ":" port ]          ; port := [0-9]+
///     host             := domain-name | "[" [a-fA-F0-9:]+ "]"
///     domain-name      := label ( "." label )*       ; label := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
///     path             := component ( "/" component )*
///     component        := [a-z0-9]+ ( separator [a-z0-9]+ )*   ; separator := "." | "_" | "__" | "-"+
///     tag              := [\w][\w.-]{0,127}
enum ReferenceGrammar {
    /// Docker Hub's canonical registry name (normalize.go `defaultDomain`).
    static let defaultRegistry = "docker.io"
    /// Docker Hub's legacy registry name, rewritten to `defaultRegistry` (normalize.go `legacyDefaultDomain`).
    static let legacyDefaultRegistry = "index.docker.io"
    /// Namespace of Docker Hub's official images (normalize.go `officialRepoPrefix`).
    static let officialPrefix = "library/"
    /// Reserved host name that is always a registry (regexp.go `localhost`).
    static let localhost = "localhost"
    /// Maximum length of the repository path (reference.go `RepositoryNameTotalLengthMax`).
    static let maxRepositoryLength = 255
    /// Maximum length of a tag (regexp.go `tag`: one leading character plus up to 127).
    static let maxTagLength = 128

    // MARK: Byte classes

    static let slash: UInt8 = 0x2F, colon: UInt8 = 0x3A, at: UInt8 = 0x40, dot: UInt8 = 0x2E
    static let dash: UInt8 = 0x2D, underscore: UInt8 = 0x5F, openBracket: UInt8 = 0x5B
    static let closeBracket: UInt8 = 0x5D, percent: UInt8 = 0x25

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    static func isLowerAlphanumeric(_ byte: UInt8) -> Bool { isLower(byte) || isDigit(byte) }
    static func isAlphanumeric(_ byte: UInt8) -> Bool { isLower(byte) || isUpper(byte) || isDigit(byte) }
    /// `\w` in Go's RE2: `[0-9A-Za-z_]`.
    static func isWord(_ byte: UInt8) -> Bool { isAlphanumeric(byte) || byte == underscore }
    static func isHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46)
    }

    static func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// A byte quoted for an error message.
    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x80 { return "non-ASCII character" }
        if byte < 0x20 || byte == 0x7F { return "control character 0x\(String(byte, radix: 16))" }
        return "character \"\(Character(Unicode.Scalar(byte)))\""
    }

    static func equals(_ bytes: ArraySlice<UInt8>, _ string: String) -> Bool {
        bytes.elementsEqual(string.utf8)
    }

    // MARK: Productions

    /// `identifier := [a-f0-9]{64}` (regexp.go): what `docker` prints as an image ID.
    static func isImageID(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.count == 64 && bytes.allSatisfy { isDigit($0) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// Whether the first path element is taken as a registry rather than a namespace
    /// (normalize.go `splitDockerDomain`): `localhost`, `index.docker.io`, anything with
    /// a `.` or `:`, or anything with an uppercase letter (namespaces must be lowercase).
    static func looksLikeRegistry(_ bytes: ArraySlice<UInt8>) -> Bool {
        equals(bytes, localhost) || equals(bytes, legacyDefaultRegistry)
            || bytes.contains { $0 == dot || $0 == colon || isUpper($0) }
    }

    /// `domain := host [":" port]` (regexp.go `domainAndPort`).
    static func registryProblem(_ bytes: ArraySlice<UInt8>) -> String? {
        guard !bytes.isEmpty else { return "registry host must not be empty" }
        var index = bytes.startIndex
        if bytes[index] == openBracket {
            guard let close = bytes[index...].firstIndex(of: closeBracket) else {
                return "IPv6 registry host \"\(text(bytes))\" is missing \"]\""
            }
            let address = bytes[(index + 1)..<close]
            if address.contains(percent) {
                return "IPv6 zone identifiers (\"%…\") are not allowed in the registry host \"\(text(bytes))\""
            }
            guard !address.isEmpty, address.allSatisfy({ isHex($0) || $0 == colon }) else {
                return "IPv6 registry host \"[\(text(address))]\" may only contain hex digits and \":\" between the brackets"
            }
            index = close + 1
        } else {
            let hostEnd = bytes[index...].firstIndex(of: colon) ?? bytes.endIndex
            if let problem = hostNameProblem(bytes[index..<hostEnd]) { return problem }
            index = hostEnd
        }
        guard index < bytes.endIndex else { return nil }
        guard bytes[index] == colon else {
            return "unexpected \(describe(bytes[index])) after the IPv6 host in \"\(text(bytes))\"; expected \":port\""
        }
        let port = bytes[(index + 1)...]
        guard !port.isEmpty, port.allSatisfy(isDigit) else {
            return "invalid port \"\(text(port))\" in registry \"\(text(bytes))\": a port is one or more decimal digits"
        }
        return nil
    }

    /// `domain-name := domain-component ("." domain-component)*` (regexp.go `domainName`).
    static func hostNameProblem(_ bytes: ArraySlice<UInt8>) -> String? {
        guard !bytes.isEmpty else { return "registry host must not be empty" }
        var start = bytes.startIndex
        while true {
            let end = bytes[start...].firstIndex(of: dot) ?? bytes.endIndex
            let label = bytes[start..<end]
            guard let first = label.first, let last = label.last else {
                return "registry host \"\(text(bytes))\" has an empty label"
            }
            if let bad = label.first(where: { !isAlphanumeric($0) && $0 != dash }) {
                return "invalid \(describe(bad)) in registry host \"\(text(bytes))\""
            }
            if first == dash || last == dash {
                return "registry host label \"\(text(label))\" must not start or end with \"-\""
            }
            guard end < bytes.endIndex else { return nil }
            start = end + 1
        }
    }

    /// `path := path-component ("/" path-component)*` (regexp.go `remoteName`) plus the
    /// 255-character limit (reference.go `RepositoryNameTotalLengthMax`).
    static func repositoryProblem(_ bytes: ArraySlice<UInt8>) -> String? {
        guard !bytes.isEmpty else { return "repository path must not be empty" }
        var start = bytes.startIndex
        while true {
            let end = bytes[start...].firstIndex(of: slash) ?? bytes.endIndex
            if let problem = componentProblem(bytes[start..<end]) { return problem }
            guard end < bytes.endIndex else { break }
            start = end + 1
        }
        return lengthProblem(bytes.count)
    }

    static func lengthProblem(_ count: Int) -> String? {
        guard count > maxRepositoryLength else { return nil }
        return "repository name must not exceed \(maxRepositoryLength) characters (found \(count))"
    }

    /// `path-component := [a-z0-9]+ (separator [a-z0-9]+)*` with
    /// `separator := [._] | __ | [-]+` (regexp.go `pathComponent`, `separator`).
    static func componentProblem(_ bytes: ArraySlice<UInt8>) -> String? {
        guard let first = bytes.first, let last = bytes.last else {
            return "empty path component (leading, trailing or doubled \"/\")"
        }
        for byte in bytes where !isLowerAlphanumeric(byte) {
            if isUpper(byte) { return "uppercase letters are not allowed in the repository path" }
            if byte != dot && byte != underscore && byte != dash {
                return "invalid \(describe(byte)) in the repository path"
            }
        }
        guard isLowerAlphanumeric(first) else {
            return "path component \"\(text(bytes))\" must start with a lowercase letter or digit"
        }
        guard isLowerAlphanumeric(last) else {
            return "path component \"\(text(bytes))\" must end with a lowercase letter or digit"
        }
        var index = bytes.startIndex
        while index < bytes.endIndex {
            guard !isLowerAlphanumeric(bytes[index]) else { index += 1; continue }
            let runStart = index
            while index < bytes.endIndex && !isLowerAlphanumeric(bytes[index]) { index += 1 }
            let run = bytes[runStart..<index]
            let valid = run.count == 1
                || run.allSatisfy { $0 == dash }
                || (run.count == 2 && run.allSatisfy { $0 == underscore })
            if !valid {
                return "path component \"\(text(bytes))\" contains the separator \"\(text(run))\"; "
                    + "allowed separators are \".\", \"_\", \"__\" and one or more \"-\""
            }
        }
        return nil
    }

    /// `tag := [\w][\w.-]{0,127}` (regexp.go `tag`).
    static func tagProblem(_ bytes: ArraySlice<UInt8>) -> String? {
        guard let first = bytes.first else { return "tag must not be empty" }
        guard isWord(first) else {
            return "tag \"\(text(bytes))\" must start with a letter, digit or \"_\""
        }
        if let bad = bytes.first(where: { !isWord($0) && $0 != dot && $0 != dash }) {
            return "invalid \(describe(bad)) in tag \"\(text(bytes))\""
        }
        guard bytes.count <= maxTagLength else {
            return "tag \"\(text(bytes))\" is longer than \(maxTagLength) characters"
        }
        return nil
    }

    // MARK: Normalization

    /// Applies Docker Hub normalization (normalize.go `splitDockerDomain`): the legacy
    /// `index.docker.io` becomes `docker.io`, and a single-component path on `docker.io`
    /// gains the `library/` namespace.
    static func normalize(registry: String, path: String) -> (registry: String, repository: String) {
        let registry = registry == legacyDefaultRegistry ? defaultRegistry : registry
        if registry == defaultRegistry && !path.utf8.contains(slash) {
            return (registry, officialPrefix + path)
        }
        return (registry, path)
    }

    /// The parts of a parsed reference.
    struct Parts {
        var registry: String
        var repository: String
        var tag: String?
        var digest: Digest?
    }

    /// Parses and normalizes `input` (normalize.go `ParseNormalizedNamed`).
    static func parse(_ input: String) throws(OCIError) -> Parts {
        func failure(_ reason: String) -> OCIError { .invalidReference(input: input, reason: reason) }

        let bytes = Array(input.utf8)[...]
        guard !bytes.isEmpty else { throw failure("reference must not be empty") }
        if isImageID(bytes) {
            throw failure("\"\(input)\" looks like an image ID, not a repository name; "
                + "to pin content use \"name@sha256:\(input)\"")
        }
        // normalize.go ParseAnyReference reads a bare digest as a digest, not as a name;
        // a Reference needs a name, so a bare digest is an error rather than "library/sha256".
        if (try? Digest(input)) != nil {
            throw failure("\"\(input)\" is a bare digest without a repository name; use \"name@\(input)\"")
        }

        // name [":" tag] ["@" digest]: names and tags never contain "@".
        var nameAndTag = bytes
        var digest: Digest?
        if let atIndex = bytes.firstIndex(of: at) {
            nameAndTag = bytes[..<atIndex]
            let digestBytes = bytes[(atIndex + 1)...]
            guard !digestBytes.isEmpty else { throw failure("empty digest after \"@\"") }
            do {
                digest = try Digest(text(digestBytes))
            } catch {
                throw failure(error.description)
            }
            guard !nameAndTag.isEmpty else { throw failure("missing repository name before \"@\"") }
        }

        // The tag separator is a ":" after the last "/"; any ":" before it belongs to the port.
        let lastSlash = nameAndTag.lastIndex(of: slash)
        if lastSlash == nil, nameAndTag.first == openBracket {
            throw failure("registry host \"\(text(nameAndTag))\" must be followed by \"/\" and a repository path")
        }
        var name = nameAndTag
        var tag: String?
        let tagSearchStart = lastSlash.map { $0 + 1 } ?? nameAndTag.startIndex
        if let tagColon = nameAndTag[tagSearchStart...].firstIndex(of: colon) {
            name = nameAndTag[..<tagColon]
            let tagBytes = nameAndTag[(tagColon + 1)...]
            guard !tagBytes.isEmpty else { throw failure("empty tag after \":\"") }
            if let problem = tagProblem(tagBytes) { throw failure(problem) }
            tag = text(tagBytes)
        }
        guard !name.isEmpty else { throw failure("missing repository name before \":\"") }

        // Split off the registry the way normalize.go splitDockerDomain does.
        var registry = defaultRegistry
        var path = name
        if let firstSlash = name.firstIndex(of: slash), looksLikeRegistry(name[..<firstSlash]) {
            let registryBytes = name[..<firstSlash]
            if let problem = registryProblem(registryBytes) { throw failure(problem) }
            registry = text(registryBytes)
            path = name[(firstSlash + 1)...]
            guard !path.isEmpty else { throw failure("missing repository path after \"\(registry)/\"") }
        }
        // Validate what the user wrote first so messages quote it, then the normalized length.
        if let problem = repositoryProblem(path) { throw failure(problem) }
        let normalized = normalize(registry: registry, path: text(path))
        if let problem = lengthProblem(normalized.repository.utf8.count) { throw failure(problem) }
        return Parts(registry: normalized.registry, repository: normalized.repository, tag: tag, digest: digest)
    }

    // MARK: Loopback detection

    /// The host of `registry` without port or IPv6 brackets.
    static func host(of registry: String) -> Substring {
        if registry.hasPrefix("["), let close = registry.firstIndex(of: "]") {
            return registry[registry.index(after: registry.startIndex)..<close]
        }
        return registry[..<(registry.firstIndex(of: ":") ?? registry.endIndex)]
    }

    /// A dotted-quad IPv4 address whose first octet is 127 (RFC 1122 3.2.1.3: 127.0.0.0/8).
    static func isIPv4Loopback(_ host: Substring) -> Bool {
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return false }
        var values: [Int] = []
        for octet in octets {
            guard (1...3).contains(octet.utf8.count), octet.utf8.allSatisfy(isDigit), let value = Int(octet), value <= 255
            else { return false }
            values.append(value)
        }
        return values[0] == 127
    }

    /// An IPv6 address equal to `::1` in any of its textual forms (RFC 4291 2.2, 2.5.3).
    static func isIPv6Loopback(_ host: Substring) -> Bool {
        let bytes = Array(host.utf8)[...]
        func groups(_ part: ArraySlice<UInt8>) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: colon, omittingEmptySubsequences: false) {
                guard (1...4).contains(group.count), group.allSatisfy(isHex),
                      let value = UInt16(text(group), radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        var address: [UInt16]
        if let gap = bytes.indices.first(where: { $0 + 1 < bytes.endIndex && bytes[$0] == colon && bytes[$0 + 1] == colon }) {
            guard let head = groups(bytes[..<gap]), let tail = groups(bytes[(gap + 2)...]),
                  head.count + tail.count <= 7 else { return false }
            address = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let all = groups(bytes), all.count == 8 else { return false }
            address = all
        }
        return address.dropLast().allSatisfy { $0 == 0 } && address.last == 1
    }
}
