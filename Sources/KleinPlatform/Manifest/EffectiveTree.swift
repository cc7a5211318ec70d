import KleinConfig

/// One table of a validated effective manifest, read strictly: each getter returns the canonical
/// value the validator put at a key, or throws `Gap` naming the key. Validation makes a gap
/// impossible; the typed model never reads a missing value as zero.
struct EffectiveTree {
    typealias Value = ConfigDocument.Value

    /// A key the effective manifest lacks, or holds in a form validation never produces.
    struct Gap: Error {
        let keyPath: String
        let expected: String
    }

    private let members: [String: Value]
    private let path: String

    init(_ members: [String: Value], at path: String) {
        self.members = members
        self.path = path
    }

    /// The gap of `key` of this table, which should have been `expected`.
    func gap(_ key: String, _ expected: String) -> Gap { Gap(keyPath: path.isEmpty ? key : "\(path).\(key)", expected: expected) }

    func optionalString(_ key: String) throws(Gap) -> String? {
        guard let value = members[key] else { return nil }
        guard case let .string(text) = value else { throw gap(key, "a string") }
        return text
    }

    func string(_ key: String) throws(Gap) -> String {
        guard let text = try optionalString(key) else { throw gap(key, "a string") }
        return text
    }

    func integer(_ key: String) throws(Gap) -> Int64 {
        guard case let .integer(number)? = members[key] else { throw gap(key, "an integer") }
        return number
    }

    func int(_ key: String) throws(Gap) -> Int {
        guard let number = Int(exactly: try integer(key)) else { throw gap(key, "an integer") }
        return number
    }

    func bool(_ key: String) throws(Gap) -> Bool {
        guard case let .bool(flag)? = members[key] else { throw gap(key, "a boolean") }
        return flag
    }

    func optionalStrings(_ key: String) throws(Gap) -> [String]? {
        guard let value = members[key] else { return nil }
        guard case let .array(elements) = value else { throw gap(key, "an array of strings") }
        var result: [String] = []
        for element in elements {
            guard case let .string(text) = element else { throw gap(key, "an array of strings") }
            result.append(text)
        }
        return result
    }

    func strings(_ key: String) throws(Gap) -> [String] {
        guard let strings = try optionalStrings(key) else { throw gap(key, "an array of strings") }
        return strings
    }

    func stringMap(_ key: String) throws(Gap) -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in try table(key).members {
            guard case let .string(text) = value else { throw gap("\(key).\(name)", "a string") }
            result[name] = text
        }
        return result
    }

    func optionalTable(_ key: String) throws(Gap) -> EffectiveTree? {
        guard let value = members[key] else { return nil }
        guard case let .table(table) = value else { throw gap(key, "a table") }
        return EffectiveTree(table, at: path.isEmpty ? key : "\(path).\(key)")
    }

    func table(_ key: String) throws(Gap) -> EffectiveTree {
        guard let table = try optionalTable(key) else { throw gap(key, "a table") }
        return table
    }

    func tables(_ key: String) throws(Gap) -> [EffectiveTree] {
        guard case let .array(elements)? = members[key] else { throw gap(key, "an array of tables") }
        var result: [EffectiveTree] = []
        for (index, element) in elements.enumerated() {
            guard case let .table(table) = element else { throw gap("\(key)[\(index)]", "a table") }
            result.append(EffectiveTree(table, at: "\(path.isEmpty ? key : "\(path).\(key)")[\(index)]"))
        }
        return result
    }

    func choice<Choice: RawRepresentable<String>>(_ key: String) throws(Gap) -> Choice {
        guard let choice = Choice(rawValue: try string(key)) else { throw gap(key, "one of the schema's choices") }
        return choice
    }

    /// A canonical size (`512Mi`).
    func bytes(_ key: String) throws(Gap) -> Int64 {
        guard case let .success(bytes) = SizeGrammar.bytes(try string(key)) else { throw gap(key, "a size") }
        return bytes
    }

    /// A canonical duration (`1m30s`).
    func duration(_ key: String) throws(Gap) -> Duration {
        guard case let .success(milliseconds) = DurationGrammar.milliseconds(try string(key)) else { throw gap(key, "a duration") }
        return .milliseconds(milliseconds)
    }

    /// Canonical CPU (`250m`).
    func millicores(_ key: String) throws(Gap) -> Int64 {
        guard case let .success(millicores) = ManifestUnits.millicores(try string(key)) else { throw gap(key, "millicores") }
        return millicores
    }

    /// A count, or a canonical percentage (`25%`).
    func amount(_ key: String) throws(Gap) -> PlatformManifest.Rollout.Amount {
        switch members[key] {
        case let .integer(count)?:
            guard let count = Int(exactly: count) else { throw gap(key, "a count") }
            return .count(count)
        case let .string(text)?:
            guard let percent = ManifestUnits.percent(text).flatMap({ Int(exactly: $0) }) else { throw gap(key, "a percentage") }
            return .percent(percent)
        default: throw gap(key, "a count or a percentage")
        }
    }

    /// Canonical permission bits (`0400`).
    func mode(_ key: String) throws(Gap) -> UInt32 {
        guard let mode = UInt32(try string(key), radix: 8) else { throw gap(key, "octal permission bits") }
        return mode
    }

    /// A canonical `UID:GID`.
    func owner(_ key: String) throws(Gap) -> (uid: Int64, gid: Int64) {
        let parts = try string(key).split(separator: ":")
        guard parts.count == 2, let uid = Int64(parts[0]), let gid = Int64(parts[1]) else { throw gap(key, "a numeric UID:GID") }
        return (uid, gid)
    }
}
