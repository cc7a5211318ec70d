import KleinConfig

/// Checks a manifest document against `ManifestSchema` and produces the effective manifest: every
/// value in its canonical form and every absent default filled in. Problems are recorded in the
/// reader, never thrown, so one pass reports all of them.
final class ManifestNormalizer {
    typealias Value = ConfigDocument.Value

    let reader: ConfigReader
    /// Key paths whose value is a default, not written in the manifest.
    private(set) var defaulted: [String] = []
    /// Root tables already normalized, for `.inherited` defaults.
    private var effectiveRoot: [String: Value] = [:]

    init(reader: ConfigReader) { self.reader = reader }

    func normalizeRoot() -> [String: Value] {
        let fields = ManifestSchema.root
        // Keys that other defaults are inherited from are normalized first.
        let sources = Set(Self.inheritanceSources(fields).compactMap { $0.split(separator: ".").first.map(String.init) })
        let ordered = fields.filter { sources.contains($0.key) } + fields.filter { !sources.contains($0.key) }
        return normalize(reader.document.root, fields: ordered, at: "", table: "") { key, value in self.effectiveRoot[key] = value }
    }

    private func normalize(
        _ members: [String: Value], fields: [ManifestField], at path: String, table: String, completed: (String, Value) -> Void = { _, _ in }
    ) -> [String: Value] {
        let known = Set(fields.map(\.key))
        for key in members.keys.sorted() where !known.contains(key) {
            let keyPath = Self.join(path, key)
            if let reason = ManifestSchema.forbiddenIn[table]?[key] ?? ManifestSchema.forbidden[key] {
                reader.problem(keyPath, reason)
            } else {
                reader.rejectUnknown([key: members[key]!], at: path, known: known)
            }
        }
        var result: [String: Value] = [:]
        for field in fields {
            let keyPath = Self.join(path, field.key)
            if let condition = field.condition {
                guard case let .string(actual)? = members[condition.key], fields.contains(where: { other in
                    if case let .choice(values) = other.type { other.key == condition.key && values.contains(actual) } else { false }
                }) else { continue }  // the deciding key is missing or invalid, and reported as such
                if !condition.values.contains(actual) {
                    if members[field.key] != nil {
                        let kinds = condition.values.map { "\"\($0)\"" }.joined(separator: " or ")
                        reader.problem(keyPath, "applies only when \(condition.key) = \(kinds); remove it, or change \(condition.key)")
                    }
                    continue
                }
            }
            if let raw = members[field.key] {
                if let value = normalize(raw, type: field.type, at: keyPath, table: field.key) {
                    result[field.key] = value
                    completed(field.key, value)
                }
                continue
            }
            switch field.presence {
            case .required:
                reader.problem(keyPath, "is required: \(field.summary)")
            case .optional:
                break
            case let .defaulted(value):
                let filled = fill(value, type: field.type, at: keyPath)
                result[field.key] = filled
                completed(field.key, filled)
            case let .inherited(source):
                if let value = lookup(source) {
                    defaulted.append(keyPath)
                    result[field.key] = value
                }
            }
        }
        return result
    }

    /// A default: itself, or for a defaulted table, the table with its own defaults filled in.
    private func fill(_ value: Value, type: ManifestType, at keyPath: String) -> Value {
        if case let .table(fields) = type, case let .table(members) = value {
            return .table(normalize(members, fields: fields, at: keyPath, table: keyPath.split(separator: ".").last.map(String.init) ?? ""))
        }
        defaulted.append(keyPath)
        return value
    }

    private func lookup(_ keyPath: String) -> Value? {
        var current: Value? = .table(effectiveRoot)
        for component in keyPath.split(separator: ".") {
            guard case let .table(members)? = current else { return nil }
            current = members[String(component)]
        }
        return current
    }

    private func normalize(_ raw: Value, type: ManifestType, at path: String, table: String) -> Value? {
        switch type {
        case let .table(fields):
            guard case let .table(members) = raw else { return mismatch(raw, "a table", at: path) }
            return .table(normalize(members, fields: fields, at: path, table: table))
        case let .tables(fields):
            guard case let .array(elements) = raw else { return mismatch(raw, "an array of tables ([[\(table)]])", at: path) }
            var result: [Value] = []
            for (index, element) in elements.enumerated() {
                let elementPath = "\(path)[\(index)]"
                guard case let .table(members) = element else {
                    reader.problem(elementPath, "must be a table, found \(element.typeName)")
                    continue
                }
                result.append(.table(normalize(members, fields: fields, at: elementPath, table: table)))
            }
            return .array(result)
        default:
            return ManifestValues(reader: reader).canonical(raw, type: type, at: path)
        }
    }

    private func mismatch(_ value: Value, _ expected: String, at path: String) -> Value? {
        reader.problem(path, "must be \(expected), found \(value.typeName)")
        return nil
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    static func inheritanceSources(_ fields: [ManifestField]) -> [String] {
        fields.flatMap { field -> [String] in
            var sources: [String] = []
            if case let .inherited(source) = field.presence { sources.append(source) }
            switch field.type {
            case let .table(children), let .tables(children): sources += inheritanceSources(children)
            default: break
            }
            return sources
        }
    }
}
