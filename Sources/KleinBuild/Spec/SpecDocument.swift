import KleinOCI
import TOMLKit

/// A parsed TOML (or canonical JSON) document as a plain value tree, with the line each key was
/// written on, so validators can report `line 12: artifact[0].source.commit: …`.
///
/// One tree for both syntaxes means one validator: a spec read from the user's TOML file and the
/// canonical JSON embedded in an image pass through exactly the same checks.
public struct SpecDocument: Sendable {
    public indirect enum Value: Sendable, Hashable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case bool(Bool)
        case array([Value])
        case table([String: Value])
        /// Dates and times, which no Klein schema uses.
        case other(String)

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

    public let root: [String: Value]
    private let lines: [String: Int]
    /// The TOML text's lines by number (empty for JSON).
    private let texts: [Int: Substring]

    /// Parses TOML; a syntax error is reported with its line.
    public init(toml text: String) throws(SpecProblem) {
        let scanned = TOMLLines(text)
        if let hazard = scanned.hazard() { throw hazard }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw SpecProblem(keyPath: "", line: error.source.begin.line, message: "TOML syntax: \(error.description)")
        } catch {
            throw SpecProblem(keyPath: "", line: nil, message: "TOML syntax: \(error)")
        }
        root = Self.convert(table)
        lines = TOMLKeyLines.index(scanned)
        texts = Dictionary(scanned.lines.map { ($0.number, $0.text) }, uniquingKeysWith: { first, _ in first })
    }

    /// Reads a JSON document (the canonical spec embedded in an image); JSON has no useful lines.
    public init(json bytes: [UInt8]) throws(SpecProblem) {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw SpecProblem(keyPath: "", line: nil, message: "JSON: \(error)") }
        guard case let .table(members) = Self.convert(value) else {
            throw SpecProblem(keyPath: "", line: nil, message: "JSON: the document is not an object")
        }
        root = members
        lines = [:]
        texts = [:]
    }

    /// The value of `keyPath` as written in the TOML (`0o755`, `644`), when its line holds it; nil for JSON.
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

    private static func convert(_ value: JSONValue) -> Value {
        switch value {
        case .null: return .other("null")
        case let .bool(flag): return .bool(flag)
        case let .number(text): return Int64(text).map(Value.integer) ?? .float(Double(text) ?? 0)
        case let .string(text): return .string(text)
        case let .array(elements): return .array(elements.map(convert))
        case let .object(members): return .table(members.mapValues(convert))
        }
    }
}

extension SpecDocument.Value {
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

    /// The canonical JSON form (sorted keys, no whitespace) of a value tree.
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

extension SpecProblem: Error {}

/// Finds the line of every key in a TOML text: `[table]` and `[[array]]` headers, `key = value`
/// lines, dotted keys and the keys of one-line inline tables. Array-of-tables elements are numbered
/// as the parser numbers them (`artifact[0]`, `artifact[1]`). Lines are 1-based.
enum TOMLKeyLines {
    static func index(_ lines: TOMLLines) -> [String: Int] {
        var result: [String: Int] = [:]
        var prefix = ""
        var arrayCounts: [String: Int] = [:]
        for entry in lines.lines where !entry.insideMultilineString {
            let line = entry.text.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            let lineNumber = entry.number
            if line.hasPrefix("[[") {
                let name = header(line.dropFirst(2), closing: "]]", arrays: arrayCounts, indexLast: false)
                arrayCounts[name, default: -1] += 1
                prefix = "\(name)[\(arrayCounts[name]!)]"
                result[prefix] = lineNumber
                result[name] = result[name] ?? lineNumber
            } else if line.hasPrefix("[") {
                prefix = header(line.dropFirst(), closing: "]", arrays: arrayCounts, indexLast: true)
                result[prefix] = lineNumber
            } else if let equals = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let key = keyPath(line[..<equals])
                guard !key.isEmpty else { continue }
                let full = prefix.isEmpty ? key : "\(prefix).\(key)"
                // `a.b.c = 1` also places `a.b` and `a` (an unknown `a` is reported at `a`).
                var path = Substring(full)
                while true {
                    result[String(path)] = result[String(path)] ?? lineNumber
                    guard let dot = path.lastIndex(of: ".") else { break }
                    path = path[..<dot]
                }
                let value = line[line.index(after: equals)...].drop(while: { $0 == " " })
                if value.hasPrefix("{") { indexInline(value.dropFirst(), under: full, line: lineNumber, into: &result) }
            }
        }
        return result
    }

    /// `a.b` of `[a.b]`, with array-of-tables components numbered: `[artifact.source]` → `artifact[2].source`.
    /// The last component of an `[[array]]` header is the array itself, numbered by the caller.
    private static func header(_ text: Substring, closing: String, arrays: [String: Int], indexLast: Bool) -> String {
        let name = text.prefix { !closing.hasPrefix(String($0)) }
        let components = keyPath(name).split(separator: ".")
        var path = ""
        for (position, component) in components.enumerated() {
            path = path.isEmpty ? String(component) : "\(path).\(component)"
            if let count = arrays[path], indexLast || position < components.count - 1 { path += "[\(count)]" }
        }
        return path
    }

    /// A bare or quoted dotted key, normalized: `"a" . b` → `a.b`.
    private static func keyPath(_ text: Substring) -> String {
        text.split(separator: ".").map { $0.trimmingCharacters(in: " \t\"'") }.joined(separator: ".")
    }

    private static func indexInline(_ text: Substring, under parent: String, line: Int, into result: inout [String: Int]) {
        var depth = 0
        var inString = false
        var token = ""
        for character in text {
            if character == "\"" { inString.toggle() }
            if inString { continue }
            switch character {
            case "{", "[": depth += 1; token = ""
            case "}", "]": depth -= 1; token = ""
            case ",": token = ""
            case "=" where depth == 0:
                let key = keyPath(Substring(token))
                if !key.isEmpty { result["\(parent).\(key)"] = line }
                token = ""
            default: token.append(character)
            }
        }
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
