import KleinConfig
import KleinConfigJSON
import KleinOCI

/// The documents generated from the schema's definitions: a JSON Schema for editors and the
/// defaults table. Both are checked into the repository and tested to match.
extension ManifestSchema {
    /// JSON Schema (draft 2020-12) of schema-1 manifests.
    public static var jsonSchema: JSONValue {
        var document = objectSchema(root).objectValue ?? [:]
        document["$schema"] = .string("https://json-schema.org/draft/2020-12/schema")
        document["title"] = .string("Klein platform manifest, schema \(version)")
        return .object(document)
    }

    /// A Markdown table of every key: type, default and meaning.
    public static var defaultsTable: String {
        var lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
        func walk(_ fields: [ManifestField], prefix: String) {
            for field in fields {
                let path = prefix + field.key
                let presence: String
                switch field.presence {
                case .required: presence = "required"
                case .optional: presence = "—"
                case let .defaulted(value): presence = isContainer(field.type) ? "—" : "`\(TOMLText.value(value))`"
                case let .inherited(source): presence = "`\(source)`"
                }
                let condition = field.condition.map { " Only when \($0.key) is \($0.values.map { "`\($0)`" }.joined(separator: " or "))." } ?? ""
                lines.append("| `\(path)` | \(typeDescription(field.type)) | \(presence) | \(field.summary)\(condition) |")
                switch field.type {
                case let .table(children): walk(children, prefix: path + ".")
                case let .tables(children): walk(children, prefix: path + "[].")
                default: break
                }
            }
        }
        walk(root, prefix: "")
        return lines.joined(separator: "\n") + "\n"
    }

    static func typeDescription(_ type: ManifestType) -> String {
        switch type {
        case let .constant(value): "`\(value)`"
        case .name: "name"
        case let .choice(values): values.map { "`\($0)`" }.joined(separator: ", ")
        case let .integer(range): "integer \(range.lowerBound)–\(range.upperBound)"
        case .bool: "boolean"
        case .absolutePath: "absolute path"
        case .mountPath: "mount path"
        case .httpPath: "request path"
        case let .size(range): "size \(SizeGrammar.format(bytes: range.lowerBound))–\(SizeGrammar.format(bytes: range.upperBound))"
        case let .duration(range): "duration \(DurationGrammar.format(milliseconds: range.lowerBound))–\(DurationGrammar.format(milliseconds: range.upperBound))"
        case let .cpu(range): "CPU \(range.lowerBound)m–\(range.upperBound / 1000) cores"
        case .countOrPercent: "count or `N%`"
        case .fileMode: "octal mode"
        case .owner: "`UID:GID`"
        case .user: "user"
        case .strings: "array of strings"
        case .environment: "table of strings"
        case .table: "table"
        case .tables: "array of tables"
        }
    }

    private static func isContainer(_ type: ManifestType) -> Bool {
        switch type {
        case .table, .tables: true
        default: false
        }
    }

    private static func objectSchema(_ fields: [ManifestField]) -> JSONValue {
        var properties: [String: JSONValue] = [:]
        var conditions: [JSONValue] = []
        for field in fields {
            var property = schema(of: field.type).objectValue ?? [:]
            property["description"] = .string(field.summary)
            if case let .defaulted(value) = field.presence { property["default"] = value.jsonValue }
            properties[field.key] = .object(property)
            if let condition = field.condition {
                var then: [String: JSONValue] = [:]
                if case .required = field.presence { then["required"] = .array([.string(field.key)]) }
                conditions.append(.object([
                    "if": .object(["properties": .object([condition.key: .object(["enum": .array(condition.values.map(JSONValue.string))])]),
                                   "required": .array([.string(condition.key)])]),
                    "then": .object(then),
                    "else": .object(["not": .object(["required": .array([.string(field.key)])])]),
                ]))
            }
        }
        let required = fields.filter { if case .required = $0.presence { $0.condition == nil } else { false } }.map { JSONValue.string($0.key) }
        var object: [String: JSONValue] = ["type": .string("object"), "properties": .object(properties), "additionalProperties": .bool(false)]
        if !required.isEmpty { object["required"] = .array(required) }
        if !conditions.isEmpty { object["allOf"] = .array(conditions) }
        return .object(object)
    }

    private static func schema(of type: ManifestType) -> JSONValue {
        let string = { (pattern: String) in JSONValue.object(["type": .string("string"), "pattern": .string(pattern)]) }
        let integer = { (low: Int64, high: Int64?) -> JSONValue in
            var object: [String: JSONValue] = ["type": .string("integer"), "minimum": .integer(low)]
            if let high { object["maximum"] = .integer(high) }
            return .object(object)
        }
        switch type {
        case let .constant(value): return .object(["const": .integer(value)])
        case .name: return string("^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
        case let .choice(values): return .object(["enum": .array(values.map(JSONValue.string))])
        case let .integer(range): return integer(range.lowerBound, range.upperBound)
        case .bool: return .object(["type": .string("boolean")])
        case .absolutePath: return string("^/")
        case .mountPath: return string("^/(?!(proc|sys|dev)(/|$)).+")
        case .httpPath: return string("^/[^\\s]*$")
        case let .size(range):
            return .object(["oneOf": .array([integer(range.lowerBound, range.upperBound), string("^[0-9]+(\\.[0-9]+)?(Ti|Gi|Mi|Ki|T|G|M|k|K|B)?$")])])
        case .duration: return string("^(?=[0-9])([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$")
        case .cpu:
            return .object(["oneOf": .array([.object(["type": .string("number"), "exclusiveMinimum": .integer(0)]),
                                             string("^([0-9]+m|[0-9]+(\\.[0-9]+)?)$")])])
        case .countOrPercent: return .object(["oneOf": .array([integer(0, nil), string("^[0-9]+%$")])])
        case .fileMode: return .object(["oneOf": .array([integer(0, 0o7777), string("^[0-7]{1,4}$")])])
        case .owner: return string("^[0-9]+:[0-9]+$")
        case .user: return string("^([a-z_][a-z0-9_.-]*|[0-9]+)(:([a-z_][a-z0-9_.-]*|[0-9]+))?$")
        case .strings: return .object(["type": .string("array"), "items": .object(["type": .string("string")]), "minItems": .integer(1)])
        case .environment:
            return .object(["type": .string("object"), "propertyNames": string("^[A-Za-z_][A-Za-z0-9_]*$"),
                            "additionalProperties": .object(["type": .string("string")])])
        case let .table(fields): return objectSchema(fields)
        case let .tables(fields): return .object(["type": .string("array"), "items": objectSchema(fields)])
        }
    }
}
