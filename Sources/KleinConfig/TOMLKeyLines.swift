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
