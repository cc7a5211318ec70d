/// Reads typed values out of a `ConfigDocument`, collecting every problem instead of stopping at the
/// first, so a user fixes a document in one round. Each getter returns `nil` after recording a problem.
public final class ConfigReader {
    /// The document read.
    public let document: ConfigDocument
    /// Every problem recorded so far, in the order found.
    public private(set) var problems: [ConfigProblem] = []

    /// A reader of `document`, with no problems yet.
    public init(_ document: ConfigDocument) { self.document = document }

    /// Records a problem at `keyPath`, with the line the key is on.
    public func problem(_ keyPath: String, _ message: String) {
        problems.append(ConfigProblem(keyPath: keyPath, line: document.line(of: keyPath), message: message))
    }

    /// A table at `keyPath` ("" for the root), checking that it has no keys outside `known`.
    public func table(_ keyPath: String, in parent: [String: ConfigDocument.Value], key: String, known: Set<String>) -> [String: ConfigDocument.Value]? {
        guard let value = parent[key] else { return nil }
        guard case let .table(members) = value else {
            problem(keyPath, "must be a table, found \(value.typeName)")
            return nil
        }
        rejectUnknown(members, at: keyPath, known: known)
        return members
    }

    /// Flags keys of `members` not in `known`, suggesting the closest known key.
    public func rejectUnknown(_ members: [String: ConfigDocument.Value], at keyPath: String, known: Set<String>) {
        for key in members.keys.sorted() where !known.contains(key) {
            let path = keyPath.isEmpty ? key : "\(keyPath).\(key)"
            var message = "unknown key"
            if let suggestion = Self.closest(to: key, in: known) { message += "; did you mean \"\(suggestion)\"?" }
            message += " (known: \(known.sorted().joined(separator: ", ")))"
            problem(path, message)
        }
    }

    /// The string `members[key]`, reported at `keyPath`; nil when absent or not a string.
    public func string(_ members: [String: ConfigDocument.Value], _ key: String, at keyPath: String) -> String? {
        scalar(members[key], at: keyPath, "a string") { if case let .string(text) = $0 { text } else { nil } }
    }

    /// The integer `members[key]`, reported at `keyPath`; nil when absent or not an integer.
    public func integer(_ members: [String: ConfigDocument.Value], _ key: String, at keyPath: String) -> Int64? {
        scalar(members[key], at: keyPath, "an integer") { if case let .integer(number) = $0 { number } else { nil } }
    }

    /// The boolean `members[key]`, reported at `keyPath`; nil when absent or not a boolean.
    public func bool(_ members: [String: ConfigDocument.Value], _ key: String, at keyPath: String) -> Bool? {
        scalar(members[key], at: keyPath, "true or false") { if case let .bool(flag) = $0 { flag } else { nil } }
    }

    /// `extract(value)`, or nil after reporting that `value` is not `expected`; nil when absent.
    private func scalar<T>(_ value: ConfigDocument.Value?, at keyPath: String, _ expected: String, _ extract: (ConfigDocument.Value) -> T?) -> T? {
        guard let value else { return nil }
        guard let result = extract(value) else {
            problem(keyPath, "must be \(expected), found \(value.typeName)")
            return nil
        }
        return result
    }

    /// The array of strings `members[key]`, reported at `keyPath`; nil when absent or not all strings.
    public func strings(_ members: [String: ConfigDocument.Value], _ key: String, at keyPath: String) -> [String]? {
        guard let value = members[key] else { return nil }
        guard case let .array(elements) = value else {
            problem(keyPath, "must be an array of strings, found \(value.typeName)")
            return nil
        }
        var result: [String] = []
        for (index, element) in elements.enumerated() {
            guard case let .string(text) = element else {
                problem("\(keyPath)[\(index)]", "must be a string, found \(element.typeName)")
                return nil
            }
            result.append(text)
        }
        return result
    }

    /// A table whose values are all strings (`labels = { a = "b" }`).
    public func stringMap(_ members: [String: ConfigDocument.Value], _ key: String, at keyPath: String) -> [String: String]? {
        guard let value = members[key] else { return nil }
        guard case let .table(entries) = value else {
            problem(keyPath, "must be a table of strings, found \(value.typeName)")
            return nil
        }
        var result: [String: String] = [:]
        for (name, entry) in entries {
            guard case let .string(text) = entry else {
                problem("\(keyPath).\(name)", "must be a string, found \(entry.typeName)")
                continue
            }
            result[name] = text
        }
        return result
    }

    /// Permission bits: a string of octal digits (`"0755"`) or a TOML octal integer (`0o755`).
    public func fileMode(_ value: ConfigDocument.Value?, at path: String) -> UInt32? {
        switch value {
        case nil: return nil
        case let .integer(number) where (0...0o7777).contains(number):
            // TOML reads 644 as decimal six hundred forty-four; only an 0o literal is octal (0 to 7 read the same either way).
            if number > 7, let literal = document.literal(of: path), !literal.hasPrefix("0o") {
                problem(path, "\(literal) is a decimal integer, but permission bits are octal: write \"\(literal)\" (a string) or 0o\(literal)")
                return nil
            }
            return UInt32(number)
        case let .string(text) where UInt32(text, radix: 8).map { $0 <= 0o7777 } == true: return UInt32(text, radix: 8)
        case let .some(other):
            problem(path, "must be octal permission bits such as \"0755\" or 0o755, found \(other.typeName) \(other.display)")
            return nil
        }
    }

    /// A numeric `UID:GID`.
    public func owner(_ text: String, at path: String) -> (uid: Int64, gid: Int64)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let uid = Int64(parts[0]), let gid = Int64(parts[1]), Self.ids.contains(uid), Self.ids.contains(gid) else {
            problem(path, "\"\(text)\" must be numeric UID:GID such as \"1000:1000\" (names depend on the image's /etc/passwd)")
            return nil
        }
        return (uid, gid)
    }

    /// Valid user and group IDs: 32 bits, but not (uid_t)-1, which means "no change".
    public static let ids: ClosedRange<Int64> = 0...4_294_967_294

    /// The known key nearest to `key` by edit distance, if it is close enough to be a typo.
    public static func closest(to key: String, in known: Set<String>) -> String? {
        let allowed = max(2, key.count / 3)
        // Lengths further apart than the allowed distance cannot be within it; this keeps long keys cheap.
        let scored = known.filter { abs($0.utf8.count - key.utf8.count) <= allowed }
            .map { ($0, editDistance(key, $0)) }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
        guard let best = scored.first, best.1 <= allowed else { return nil }
        return best.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
