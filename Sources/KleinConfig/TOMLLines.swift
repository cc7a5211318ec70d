/// The lines of a TOML text as a scanner outside the parser sees them: split on `\n` (a `\r`
/// before it dropped, a leading byte-order mark removed), each marked when it starts inside a
/// multi-line string, whose lines hold no keys.
struct TOMLLines {
    struct Line {
        /// 1-based.
        let number: Int
        let text: Substring
        let insideMultilineString: Bool
    }

    let lines: [Line]

    init(_ text: String) {
        var source = Substring(text)
        if source.unicodeScalars.first == "\u{FEFF}" { source = Substring(source.unicodeScalars.dropFirst()) }
        var result: [Line] = []
        var open: String?  // the delimiter of the multi-line string the scan is in
        for (index, scalars) in source.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(scalars)
            if line.unicodeScalars.last == "\r" { line = Substring(line.unicodeScalars.dropLast()) }
            result.append(Line(number: index + 1, text: line, insideMultilineString: open != nil))
            open = Self.multilineState(after: line, startingIn: open)
        }
        lines = result
    }

    /// Whether a multi-line string is still open at the end of `line`, given the one open at its start.
    private static func multilineState(after line: Substring, startingIn open: String?) -> String? {
        var state = open
        var rest = line[...]
        while !rest.isEmpty {
            if let delimiter = state {
                guard let end = rest.range(of: delimiter) else { return state }
                rest = rest[end.upperBound...]
                state = nil
                continue
            }
            guard let first = rest.first else { break }
            switch first {
            case "#": return nil
            case "\"", "'":
                let triple = String(repeating: first, count: 3)
                if rest.hasPrefix(triple) {
                    state = triple
                    rest = rest.dropFirst(3)
                } else {
                    rest = skipString(rest.dropFirst(), quote: first)
                }
            default:
                rest = rest.dropFirst()
            }
        }
        return state
    }

    /// The text after a one-line string's closing quote (basic strings honour `\"`).
    static func skipString(_ text: Substring, quote: Character) -> Substring {
        var escaped = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if escaped {
                escaped = false
            } else if character == "\\" && quote == "\"" {
                escaped = true
            } else if character == quote {
                return text[text.index(after: index)...]
            }
            index = text.index(after: index)
        }
        return text[text.endIndex...]
    }

    /// What toml++ (inside TOMLKit) does not survive or silently mangles, found before it parses:
    /// a table header with no key (an assertion failure), a key of very many dotted parts (deep
    /// recursion) and a NUL escape (TOMLKit cuts the string there). The first problem, or nil.
    func hazard() -> ConfigSyntaxError? {
        for line in lines where !line.insideMultilineString {
            let content = line.text.drop { $0 == " " || $0 == "\t" }
            if content.hasPrefix("[") {
                let name = content.drop { $0 == "[" }.drop { $0 == " " || $0 == "\t" }
                let startsKey = name.unicodeScalars.first.map { first in
                    first.isASCII && (first.properties.isAlphabetic || ("0"..."9").contains(first) || "_-\"'".unicodeScalars.contains(first))
                } ?? false
                if !startsKey {
                    return .refused(line: line.number, reason: "TOML syntax: a table header needs a key, e.g. [resources]")
                }
            }
            var dots = 0
            var rest = content
            while let character = rest.first {
                if character == "#" { break }
                if character == "\"" || character == "'" {
                    rest = Self.skipString(rest.dropFirst(), quote: character)
                    continue
                }
                if character == "." { dots += 1 }
                rest = rest.dropFirst()
            }
            if dots > 32 {
                return .refused(line: line.number, reason: "a key of more than 32 dotted parts is too deep for any Klein schema")
            }
        }
        for line in lines {
            var rest = line.text
            while let slash = rest.firstIndex(of: "\\") {
                let run = rest[slash...].prefix { $0 == "\\" }
                let after = rest[run.endIndex...]
                if run.count % 2 == 1, after.hasPrefix("u0000") || after.hasPrefix("U00000000") {
                    return .refused(line: line.number, reason: "a NUL character (\\u0000) is not allowed in a key or string")
                }
                rest = after
            }
        }
        return nil
    }
}
