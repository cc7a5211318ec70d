/// A glob over repository names, as written in an access policy's
/// `repositories` list.
///
/// `*` matches any run of characters except `/`, `**` matches any run of
/// characters including `/`, every other character matches itself. Matching
/// is a dynamic program over the UTF-8 bytes, O(pattern × name), so hostile
/// names cannot trigger exponential backtracking.
struct RepositoryPattern: Sendable, Equatable, CustomStringConvertible {
    enum Token: Sendable, Equatable {
        case literal(UInt8)
        /// `*`: any bytes except `/`.
        case segmentWildcard
        /// `**`: any bytes.
        case anyWildcard
    }

    let description: String
    let tokens: [Token]

    /// Returns `nil` for an empty pattern.
    init?(_ text: String) {
        guard !text.isEmpty else { return nil }
        description = text
        var tokens: [Token] = []
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "*") {
                var run = 0
                while index < bytes.count, bytes[index] == UInt8(ascii: "*") {
                    run += 1
                    index += 1
                }
                tokens.append(run >= 2 ? .anyWildcard : .segmentWildcard)
            } else {
                tokens.append(.literal(bytes[index]))
                index += 1
            }
        }
        self.tokens = tokens
    }

    func matches(_ name: String) -> Bool {
        let name = Array(name.utf8)
        // matched[j]: the tokens consumed so far can match name[0..<j].
        var matched = [Bool](repeating: false, count: name.count + 1)
        matched[0] = true
        for token in tokens {
            var next = [Bool](repeating: false, count: name.count + 1)
            switch token {
            case .literal(let byte):
                for j in 0..<name.count where matched[j] && name[j] == byte {
                    next[j + 1] = true
                }
            case .segmentWildcard:
                for j in 0...name.count {
                    next[j] = matched[j] || (j > 0 && next[j - 1] && name[j - 1] != UInt8(ascii: "/"))
                }
            case .anyWildcard:
                for j in 0...name.count {
                    next[j] = matched[j] || (j > 0 && next[j - 1])
                }
            }
            matched = next
        }
        return matched[name.count]
    }
}
