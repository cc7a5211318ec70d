import KleinOCI

extension ConfigDocument {
    /// Reads a JSON document (the canonical JSON Klein records of a build spec or platform
    /// manifest) into the same tree TOML gives, so one validator checks both. JSON has no useful lines.
    public init(json bytes: [UInt8]) throws(ConfigSyntaxError) {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw .json(error) }
        guard case let .table(members) = Value(json: value) else {
            throw .json(.invalidDocument(kind: "configuration document", path: "", reason: "it is not an object"))
        }
        self.init(root: members)
    }
}

extension ConfigDocument.Value {
    /// The tree of a JSON value: integers stay integers, other numbers become floats, null is `.other("null")`.
    public init(json value: JSONValue) {
        switch value {
        case .null: self = .other("null")
        case let .bool(flag): self = .bool(flag)
        case let .number(text): self = Int64(text).map(Self.integer) ?? .float(Double(text) ?? 0)
        case let .string(text): self = .string(text)
        case let .array(elements): self = .array(elements.map(Self.init(json:)))
        case let .object(members): self = .table(members.mapValues(Self.init(json:)))
        }
    }

    /// The canonical JSON form (sorted keys, no whitespace) of a value tree; dates and times, which
    /// no schema accepts, become null.
    public var jsonValue: JSONValue {
        switch self {
        case let .string(text): .string(text)
        case let .integer(number): .integer(number)
        case let .float(number): .number(String(number))
        case let .bool(flag): .bool(flag)
        case let .array(elements): .array(elements.map(\.jsonValue))
        case let .table(members): .object(members.mapValues(\.jsonValue))
        case .other: .null
        }
    }
}
