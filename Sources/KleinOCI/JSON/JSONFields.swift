/// Reads the fields of one JSON object into a typed model, tracking the field path for errors.
///
/// Every field a model reads is removed; what is left (`remaining`) are the fields the model does not
/// know, plus explicit `null`s of known fields. Models keep those and write them back, so re-encoding
/// never drops a field.
struct JSONFields {
    let kind: String
    let path: String
    private var members: [String: JSONValue]

    init(_ value: JSONValue, kind: String, path: String) throws(OCIError) {
        guard case let .object(members) = value else {
            throw .invalidDocument(kind: kind, path: path, reason: "expected an object, found \(value.typeName)")
        }
        self.kind = kind
        self.path = path
        self.members = members
    }

    /// Fields not consumed by the model.
    var remaining: [String: JSONValue] { members }

    func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, _ reason: String) -> OCIError {
        .invalidDocument(kind: kind, path: childPath(key), reason: reason)
    }

    /// Removes and returns a field; an explicit `null` stays in `remaining` and reads as absent.
    private mutating func take(_ key: String) -> JSONValue? {
        guard let value = members[key] else { return nil }
        if case .null = value { return nil }
        members[key] = nil
        return value
    }

    mutating func string(_ key: String) throws(OCIError) -> String? {
        guard let value = take(key) else { return nil }
        guard case let .string(text) = value else { throw error(key, "expected a string, found \(value.typeName)") }
        return text
    }

    mutating func requiredString(_ key: String) throws(OCIError) -> String {
        guard let text = try string(key) else { throw error(key, "required field is missing") }
        return text
    }

    mutating func mediaType(_ key: String) throws(OCIError) -> MediaType? {
        try string(key).map(MediaType.init(rawValue:))
    }

    /// The header of a manifest or index: `schemaVersion`, which must be 2, and the optional
    /// `mediaType`, which must be one `accepting` allows (manifest.md, image-index.md).
    mutating func documentHeader(accepting: (MediaType) -> Bool, described: String) throws(OCIError) -> (Int64, MediaType?) {
        let version = try requiredInt64("schemaVersion")
        guard version == 2 else { throw error("schemaVersion", "must be 2, found \(version)") }
        let type = try mediaType("mediaType")
        if let type, !accepting(type) { throw error("mediaType", "\"\(type)\" is not \(described)") }
        return (version, type)
    }

    mutating func int64(_ key: String) throws(OCIError) -> Int64? {
        guard let value = take(key) else { return nil }
        guard case let .number(text) = value, let number = Int64(text) else {
            throw error(key, "expected an integer, found \(value.typeName)")
        }
        return number
    }

    mutating func requiredInt64(_ key: String) throws(OCIError) -> Int64 {
        guard let number = try int64(key) else { throw error(key, "required field is missing") }
        return number
    }

    mutating func bool(_ key: String) throws(OCIError) -> Bool? {
        guard let value = take(key) else { return nil }
        guard case let .bool(flag) = value else { throw error(key, "expected a boolean, found \(value.typeName)") }
        return flag
    }

    mutating func digest(_ key: String) throws(OCIError) -> Digest {
        let text = try requiredString(key)
        do { return try Digest(text) } catch { throw self.error(key, error.description) }
    }

    mutating func stringArray(_ key: String) throws(OCIError) -> [String]? {
        guard let value = take(key) else { return nil }
        guard case let .array(elements) = value else { throw error(key, "expected an array, found \(value.typeName)") }
        var result: [String] = []
        for (index, element) in elements.enumerated() {
            guard case let .string(text) = element else { throw error("\(key)[\(index)]", "expected a string, found \(element.typeName)") }
            result.append(text)
        }
        return result
    }

    mutating func stringMap(_ key: String) throws(OCIError) -> [String: String]? {
        guard let value = take(key) else { return nil }
        guard case let .object(entries) = value else { throw error(key, "expected an object, found \(value.typeName)") }
        var result: [String: String] = [:]
        for (name, entry) in entries {
            guard case let .string(text) = entry else { throw error("\(key).\(name)", "expected a string, found \(entry.typeName)") }
            result[name] = text
        }
        return result
    }

    /// An object whose keys matter and whose values are ignored, such as `ExposedPorts` (`{"80/tcp": {}}`).
    mutating func keySet(_ key: String) throws(OCIError) -> [String: JSONValue]? {
        guard let value = take(key) else { return nil }
        guard case let .object(entries) = value else { throw error(key, "expected an object, found \(value.typeName)") }
        return entries
    }

    mutating func object<T>(_ key: String, _ decode: (JSONValue, String) throws(OCIError) -> T) throws(OCIError) -> T? {
        guard let value = take(key) else { return nil }
        return try decode(value, childPath(key))
    }

    mutating func array<T>(_ key: String, _ decode: (JSONValue, String) throws(OCIError) -> T) throws(OCIError) -> [T]? {
        guard let value = take(key) else { return nil }
        guard case let .array(elements) = value else { throw error(key, "expected an array, found \(value.typeName)") }
        var result: [T] = []
        result.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            result.append(try decode(element, "\(childPath(key))[\(index)]"))
        }
        return result
    }
}

/// Builds a JSON object from a model's fields on top of the fields it kept but does not know.
struct JSONObjectBuilder {
    private(set) var members: [String: JSONValue]

    init(preserving remaining: [String: JSONValue] = [:]) { members = remaining }

    mutating func set(_ key: String, _ value: JSONValue?) {
        if let value { members[key] = value }
    }

    mutating func set(_ key: String, _ value: String?) { set(key, value.map(JSONValue.string)) }
    mutating func set(_ key: String, _ value: Int64?) { set(key, value.map(JSONValue.integer)) }
    mutating func set(_ key: String, _ value: Bool?) { set(key, value.map(JSONValue.bool)) }
    mutating func set(_ key: String, _ value: [String]?) { set(key, value.map { .array($0.map(JSONValue.string)) }) }
    mutating func set(_ key: String, _ value: [String: String]?) { set(key, value.map { .object($0.mapValues(JSONValue.string)) }) }
    mutating func set<T: JSONRepresentable>(_ key: String, _ value: T?) { set(key, value?.jsonValue) }
    mutating func set<T: JSONRepresentable>(_ key: String, _ value: [T]?) { set(key, value.map { .array($0.map(\.jsonValue)) }) }

    var value: JSONValue { .object(members) }
}

/// A model type that converts to and from `JSONValue`, keeping fields it does not know.
public protocol JSONRepresentable: Sendable {
    /// Decodes from a JSON value; `path` locates the value in its document for error messages.
    init(json: JSONValue, path: String) throws(OCIError)
    var jsonValue: JSONValue { get }
}

extension JSONRepresentable {
    /// Decodes a document from its raw bytes.
    public init(jsonBytes bytes: some Collection<UInt8>) throws(OCIError) {
        try self.init(json: JSONParser.parse(bytes), path: "")
    }

    /// The canonical JSON bytes of this value (see `JSONValue.canonicalBytes`).
    public var canonicalJSON: [UInt8] { jsonValue.canonicalBytes }
}
