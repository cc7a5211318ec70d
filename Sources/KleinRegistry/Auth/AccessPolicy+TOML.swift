import KleinConfig

extension AccessPolicy {
    /// Loads a policy file; see ``init(toml:source:)`` for the format.
    public init(contentsOf path: String) throws(AuthError) {
        try self.init(toml: AuthFile.readText(path), source: path)
    }

    /// Parses a policy:
    ///
    /// ```toml
    /// [groups]
    /// developers = ["alice", "bob"]
    ///
    /// [[rule]]
    /// repositories = ["team/*"]     # `*` = any chars but '/', `**` = any chars
    /// anonymous = false             # also applies without credentials
    /// users = ["carol"]             # "*" = any authenticated user
    /// groups = ["developers"]
    /// actions = ["pull", "push"]    # pull, push, delete, catalog, "*"
    /// ```
    ///
    /// `actions` is required; `repositories` is required unless the rule only
    /// grants `catalog`; a rule must name `anonymous = true`, users or groups.
    /// Unknown keys, unknown actions, wrong types and undefined groups are
    /// errors naming `source`, the key (rules are numbered from 1) and why.
    public init(toml: String, source: String) throws(AuthError) {
        guard !toml.utf8.contains(0) else {
            throw AuthError.policy(source: source, key: "(document)", reason: "contains a NUL byte")
        }
        let root: [String: ConfigDocument.Value]
        do {
            root = try ConfigDocument(toml: toml).root
        } catch let .toml(line?, column?, reason) {
            throw AuthError.policy(source: source, key: "(document)", reason: "TOML syntax error at line \(line), column \(column): \(reason)")
        } catch let .refused(line, reason) {
            throw AuthError.policy(source: source, key: "(document)", reason: "TOML syntax error at line \(line): \(reason)")
        } catch let .toml(_, _, reason) {
            throw AuthError.policy(source: source, key: "(document)", reason: "TOML syntax error: \(reason)")
        } catch {
            throw AuthError.policy(source: source, key: "(document)", reason: "\(error)")
        }
        let reader = PolicyReader(source: source)
        try reader.checkKeys(root, allowed: ["groups", "rule"], path: nil)
        let groups = try reader.groups(root["groups"])
        let rules = try reader.rules(root["rule"], groups: groups)
        self.init(groups: groups, rules: rules)
    }
}

/// Turns document values into policy values, with errors that name the key.
private struct PolicyReader {
    typealias Value = ConfigDocument.Value

    let source: String

    func fail(_ key: String, _ reason: String) -> AuthError {
        AuthError.policy(source: source, key: key, reason: reason)
    }

    func checkKeys(_ table: [String: Value], allowed: Set<String>, path: String?) throws(AuthError) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            let full = path.map { "\($0).\(key)" } ?? key
            throw fail(full, "unknown key (expected one of: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    func groups(_ value: Value?) throws(AuthError) -> [String: Set<String>] {
        guard let value else { return [:] }
        guard case let .table(table) = value else {
            throw fail("groups", "expected a table of name = [\"user\", …], found \(Self.kind(value))")
        }
        var groups: [String: Set<String>] = [:]
        for name in table.keys {
            let key = "groups.\(name)"
            guard !name.isEmpty else { throw fail(key, "group name is empty") }
            groups[name] = Set(try strings(table[name], key: key))
        }
        return groups
    }

    func rules(_ value: Value?, groups: [String: Set<String>]) throws(AuthError) -> [PolicyRule] {
        guard let value else { return [] }
        guard case let .array(array) = value else {
            throw fail("rule", "expected an array of tables ([[rule]]), found \(Self.kind(value))")
        }
        var rules: [PolicyRule] = []
        for (offset, element) in array.enumerated() {
            let path = "rule[\(offset + 1)]"
            guard case let .table(table) = element else {
                throw fail(path, "expected a table ([[rule]]), found \(Self.kind(element))")
            }
            rules.append(try rule(table, path: path, groups: groups))
        }
        return rules
    }

    func rule(_ table: [String: Value], path: String, groups: [String: Set<String>]) throws(AuthError) -> PolicyRule {
        try checkKeys(table, allowed: ["repositories", "anonymous", "users", "groups", "actions"], path: path)
        guard table["actions"] != nil else { throw fail("\(path).actions", "missing (required)") }
        let actions = try self.actions(table["actions"], key: "\(path).actions")
        let patternTexts = try table["repositories"].map { v throws(AuthError) in try strings(v, key: "\(path).repositories") }
        if patternTexts == nil, actions != [.catalog] {
            throw fail("\(path).repositories", "missing (required unless the rule grants only \"catalog\")")
        }
        var patterns: [RepositoryPattern] = []
        for text in patternTexts ?? [] {
            guard let pattern = RepositoryPattern(text) else {
                throw fail("\(path).repositories", "empty pattern")
            }
            patterns.append(pattern)
        }
        var anonymous = false
        if let value = table["anonymous"] {
            guard case let .bool(flag) = value else {
                throw fail("\(path).anonymous", "expected true or false, found \(Self.kind(value))")
            }
            anonymous = flag
        }
        let users = try table["users"].map { v throws(AuthError) in try strings(v, key: "\(path).users") } ?? []
        let groupNames = try table["groups"].map { v throws(AuthError) in try strings(v, key: "\(path).groups") } ?? []
        for name in groupNames where groups[name] == nil {
            throw fail("\(path).groups", "group \"\(name)\" is not defined in [groups]")
        }
        guard anonymous || !users.isEmpty || !groupNames.isEmpty else {
            throw fail(path, "rule applies to nobody: set anonymous = true, users or groups")
        }
        return PolicyRule(
            repositories: patterns, anonymous: anonymous, users: Set(users),
            groups: groupNames, actions: actions)
    }

    func actions(_ value: Value?, key: String) throws(AuthError) -> Set<PolicyAction> {
        let names = try strings(value, key: key)
        guard !names.isEmpty else { throw fail(key, "no actions listed") }
        var actions = Set<PolicyAction>()
        for name in names {
            if name == "*" {
                actions.formUnion([.pull, .push, .delete])
            } else if let action = PolicyAction(rawValue: name) {
                actions.insert(action)
            } else {
                throw fail(key, "unknown action \"\(name)\" (expected pull, push, delete, catalog or \"*\")")
            }
        }
        return actions
    }

    /// An array of non-empty strings.
    func strings(_ value: Value?, key: String) throws(AuthError) -> [String] {
        guard let value, case let .array(array) = value else {
            throw fail(key, "expected an array of strings, found \(value.map(Self.kind) ?? "nothing")")
        }
        var result: [String] = []
        for element in array {
            guard case let .string(string) = element else {
                throw fail(key, "expected an array of strings, found an element of type \(Self.kind(element))")
            }
            guard !string.isEmpty else { throw fail(key, "empty string") }
            result.append(string)
        }
        return result
    }

    /// A value's type as policy errors have always named it (TOML's names: `integer`, `bool`, `date-time`).
    static func kind(_ value: Value) -> String {
        switch value {
        case .string: "string"
        case .integer: "integer"
        case .float: "floating-point number"
        case .bool: "bool"
        case .array: "array"
        case .table: "table"
        case let .other(kind): kind == "dateTime" ? "date-time" : kind
        }
    }
}
