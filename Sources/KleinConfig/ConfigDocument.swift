import TOMLKit

/// A parsed configuration document as a plain value tree, with the line each key was written on,
/// so validators can report `line 12: artifact[0].source.commit: …`.
///
/// One tree for every syntax means one validator: a build spec or platform manifest read from the
/// user's TOML file and the canonical JSON Klein records pass through exactly the same checks.
public struct ConfigDocument: Sendable {
    /// One value of the tree.
    public indirect enum Value: Sendable, Hashable {
        /// A string.
        case string(String)
        /// An integer (TOML integers are 64-bit).
        case integer(Int64)
        /// A float.
        case float(Double)
        /// A boolean.
        case bool(Bool)
        /// An array, in document order.
        case array([Value])
        /// A table (or JSON object) by key.
        case table([String: Value])
        /// Dates, times and JSON's null, which no Klein schema uses; the payload names the kind.
        case other(String)

        /// The value's type with an article, as messages name it: `an integer`, `a table`.
        public var typeName: String {
            switch self {
            case .string: "a string"
            case .integer: "an integer"
            case .float: "a float"
            case .bool: "a boolean"
            case .array: "an array"
            case .table: "a table"
            case let .other(kind): "a \(kind)"
            }
        }
    }

    /// The top-level table.
    public let root: [String: Value]
    private let lines: [String: Int]
    /// The TOML text's lines by number (empty for a tree read from another syntax).
    private let texts: [Int: Substring]

    /// Parses TOML. Text that would crash or mislead the parser is refused before parsing, and a
    /// syntax error is reported with its line.
    public init(toml text: String) throws(ConfigSyntaxError) {
        let scanned = TOMLLines(text)
        if let hazard = scanned.hazard() { throw hazard }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .toml(line: error.source.begin.line, column: error.source.begin.column, reason: error.description)
        } catch {
            throw .toml(line: nil, column: nil, reason: "\(error)")
        }
        root = Self.convert(table)
        lines = TOMLKeyLines.index(scanned)
        texts = Dictionary(scanned.lines.map { ($0.number, $0.text) }, uniquingKeysWith: { first, _ in first })
    }

    /// A tree read from a syntax without useful lines (the canonical JSON Klein records).
    public init(root: [String: Value]) {
        self.root = root
        lines = [:]
        texts = [:]
    }

    /// The value of `keyPath` as written in the TOML (`0o755`, `644`), when its line holds it; nil
    /// for a tree without lines.
    public func literal(of keyPath: String) -> Substring? {
        guard let number = lines[keyPath], let text = texts[number], let key = keyPath.split(separator: ".").last else { return nil }
        var rest = text[...]
        while let found = rest.range(of: key) {
            let after = rest[found.upperBound...].drop { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "'" }
            if after.hasPrefix("=") {
                return after.dropFirst().drop { $0 == " " || $0 == "\t" }.prefix { !" \t,}#".contains($0) }
            }
            rest = rest[found.upperBound...]
        }
        return nil
    }

    /// The line of `keyPath`, or of its nearest parent that has one (`env[2]` → `env`).
    public func line(of keyPath: String) -> Int? {
        var path = Substring(keyPath)
        while !path.isEmpty {
            if let line = lines[String(path)] { return line }
            if path.hasSuffix("]"), let open = path.lastIndex(of: "[") {
                path = path[..<open]
            } else if let dot = path.lastIndex(of: ".") {
                path = path[..<dot]
            } else {
                return nil
            }
        }
        return nil
    }

    private static func convert(_ table: TOMLTable) -> [String: Value] {
        var result: [String: Value] = [:]
        for key in table.keys {
            if let value = table[key] { result[key] = convert(value) }
        }
        return result
    }

    private static func convert(_ value: any TOMLValueConvertible) -> Value {
        switch value.type {
        case .string: return .string(value.string ?? "")
        case .int: return .integer(Int64(value.int ?? 0))
        case .double: return .float(value.double ?? 0)
        case .bool: return .bool(value.bool ?? false)
        case .table: return .table(value.table.map(convert) ?? [:])
        case .array: return .array(value.array.map { $0.map(convert) } ?? [])
        default: return .other(value.type.rawValue)
        }
    }
}

extension ConfigDocument.Value {
    /// The value as a message shows it: `"text"`, `42`, `true`, or its type for arrays and tables.
    public var display: String {
        switch self {
        case let .string(text): "\"\(text)\""
        case let .integer(number): String(number)
        case let .float(number): String(number)
        case let .bool(flag): String(flag)
        default: typeName
        }
    }
}
