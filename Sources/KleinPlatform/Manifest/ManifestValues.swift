import KleinConfig
import KleinSystem

/// The canonical form of one scalar (or list of scalars) of a platform manifest, or nil after
/// recording what is wrong with it.
struct ManifestValues {
    typealias Value = ConfigDocument.Value

    let reader: ConfigReader

    func canonical(_ raw: Value, type: ManifestType, at path: String) -> Value? {
        if let text = Self.firstNulString(raw) {
            reader.problem(path, "\"\(text.replacingNUL)\" contains a NUL character")
            return nil
        }
        switch type {
        case let .constant(expected):
            guard case let .integer(number) = raw else { return mismatch(raw, "the integer \(expected)", at: path) }
            guard number == expected else { return fail(path, "schema \(number) is not supported; this Klein reads schema \(expected)") }
            return raw
        case .name:
            guard case let .string(text) = raw else { return mismatch(raw, "a string", at: path) }
            guard Self.isName(text) else {
                return fail(path, "\"\(text)\" is not a name: use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit, at most 63 characters")
            }
            return raw
        case let .choice(values):
            guard case let .string(text) = raw else { return mismatch(raw, "one of \(Self.list(values))", at: path) }
            guard values.contains(text) else {
                var message = "\"\(text)\" is not one of \(Self.list(values))"
                if let suggestion = ConfigReader.closest(to: text, in: Set(values)) { message += "; did you mean \"\(suggestion)\"?" }
                return fail(path, message)
            }
            return raw
        case let .integer(range):
            guard case let .integer(number) = raw else { return mismatch(raw, "an integer", at: path) }
            guard range.contains(number) else { return fail(path, "\(number) is out of range: it must be \(range.lowerBound) to \(range.upperBound)") }
            return raw
        case .bool:
            guard case .bool = raw else { return mismatch(raw, "true or false", at: path) }
            return raw
        case .absolutePath, .mountPath:
            guard case let .string(text) = raw else { return mismatch(raw, "an absolute path", at: path) }
            if let reason = Self.pathProblem(text, mount: { if case .mountPath = type { true } else { false } }()) { return fail(path, reason) }
            return raw
        case .httpPath:
            guard case let .string(text) = raw else { return mismatch(raw, "a request path such as \"/healthz\"", at: path) }
            guard PathText.isAbsolute(text), !text.contains(where: { $0.isWhitespace || ($0.asciiValue.map { $0 < 0x20 || $0 == 0x7f } ?? false) }) else {
                return fail(path, "\"\(text)\" is not a request path: it must start with '/' and contain no spaces or control characters")
            }
            return raw
        case let .size(range):
            let bytes: Int64
            switch raw {
            case let .integer(number): bytes = number
            case let .string(text):
                switch SizeGrammar.bytes(text) {
                case let .success(value): bytes = value
                case let .failure(failure): return fail(path, failure.message)
                }
            default: return mismatch(raw, "a size such as \"512Mi\" or a number of bytes", at: path)
            }
            guard range.contains(bytes) else {
                return fail(path, "\(SizeGrammar.format(bytes: bytes)) is out of range: it must be \(SizeGrammar.format(bytes: range.lowerBound)) to \(SizeGrammar.format(bytes: range.upperBound))")
            }
            return .string(SizeGrammar.format(bytes: bytes))
        case let .duration(range):
            guard case let .string(text) = raw else {
                return mismatch(raw, "a duration with a unit such as \"10s\" (a bare number has none)", at: path)
            }
            let milliseconds: Int64
            switch DurationGrammar.milliseconds(text) {
            case let .success(value): milliseconds = value
            case let .failure(failure): return fail(path, Self.message(failure))
            }
            guard range.contains(milliseconds) else {
                return fail(path, "\"\(text)\" is out of range: it must be \(DurationGrammar.format(milliseconds: range.lowerBound)) to \(DurationGrammar.format(milliseconds: range.upperBound))")
            }
            return .string(DurationGrammar.format(milliseconds: milliseconds))
        case let .cpu(range):
            let result: Result<Int64, ManifestUnits.Reason>
            switch raw {
            case let .integer(cores):
                let (value, overflow) = cores.multipliedReportingOverflow(by: 1000)
                result = overflow ? .failure(.init("\(cores) cores is out of range")) : .success(value)
            case let .float(cores): result = ManifestUnits.millicores(cores: cores)
            case let .string(text): result = ManifestUnits.millicores(text)
            default: return mismatch(raw, "CPU as cores (2, 0.5) or millicores (\"250m\")", at: path)
            }
            switch result {
            case let .failure(reason): return fail(path, reason.text)
            case let .success(millicores):
                guard range.contains(millicores) else {
                    return fail(path, "\(millicores)m is out of range: it must be \(range.lowerBound)m to \(range.upperBound)m (\(range.upperBound / 1000) cores)")
                }
                return .string(ManifestUnits.formatMillicores(millicores))
            }
        case .countOrPercent:
            switch raw {
            case let .integer(number) where number >= 0: return raw
            case let .string(text):
                guard let percent = ManifestUnits.percent(text), percent <= 100 else {
                    return fail(path, "\"\(text)\" is not a percentage from \"0%\" to \"100%\"")
                }
                return .string("\(percent)%")
            case let .integer(number): return fail(path, "\(number) is negative; give a count of 0 or more, or a percentage such as \"25%\"")
            default: return mismatch(raw, "a count (0 or more) or a percentage such as \"25%\"", at: path)
            }
        case .fileMode:
            guard let mode = reader.fileMode(raw, at: path) else { return nil }
            let digits = String(mode, radix: 8)
            return .string(String(repeating: "0", count: max(0, 4 - digits.count)) + digits)
        case .owner:
            guard case let .string(text) = raw else { return mismatch(raw, "a numeric UID:GID such as \"1000:1000\"", at: path) }
            return reader.owner(text, at: path).map { .string("\($0.uid):\($0.gid)") }
        case .user:
            guard case let .string(text) = raw else { return mismatch(raw, "a user such as \"app\", \"1000\" or \"1000:1000\"", at: path) }
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), parts.allSatisfy({ Self.isUserPart($0) }) else {
                return fail(path, "\"\(text)\" is not a user: write name, uid, uid:gid or name:group")
            }
            return raw
        case .strings:
            guard case let .array(elements) = raw else { return mismatch(raw, "an array of strings", at: path) }
            guard !elements.isEmpty else { return fail(path, "must not be empty; leave the key out to keep the image's") }
            for (index, element) in elements.enumerated() {
                guard case .string = element else { return fail("\(path)[\(index)]", "must be a string, found \(element.typeName)") }
            }
            return raw
        case .environment:
            guard case let .table(entries) = raw else { return mismatch(raw, "a table of strings, such as { LOG_LEVEL = \"info\" }", at: path) }
            var valid = true
            for (name, value) in entries.sorted(by: { $0.key < $1.key }) {
                if !Self.isVariableName(name) {
                    reader.problem("\(path).\(name)", "\"\(name)\" is not a variable name: use letters, digits and '_', not starting with a digit")
                    valid = false
                }
                if case .string = value { continue }
                reader.problem("\(path).\(name)", "must be a string, found \(value.typeName)")
                valid = false
            }
            return valid ? raw : nil
        case .table, .tables:
            return nil  // handled by the normalizer
        }
    }

    private func mismatch(_ value: Value, _ expected: String, at path: String) -> Value? {
        fail(path, "must be \(expected), found \(value.typeName)")
    }

    private func fail(_ path: String, _ message: String) -> Value? {
        reader.problem(path, message)
        return nil
    }

    static func isName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...63).contains(bytes.count), let first = bytes.first, let last = bytes.last,
              (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first), last != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
    }

    static func isVariableName(_ text: String) -> Bool {
        guard let first = text.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return text.utf8.allSatisfy { $0 == UInt8(ascii: "_") || ($0 < 0x80 && Character(UnicodeScalar($0)).isLetter) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private static func isUserPart(_ part: Substring) -> Bool {
        guard !part.isEmpty, part.utf8.count <= 32 else { return false }
        if part.allSatisfy({ $0.isASCII && $0.isNumber }) { return Int64(part).map(ConfigReader.ids.contains) ?? false }
        guard let first = part.first, first == "_" || (first.isASCII && first.isLowercase) else { return false }
        return part.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || "_.-".contains($0)) }
    }

    /// Why `text` is not an absolute, normalized path (and, for a mount, not a reserved one), or nil.
    static func pathProblem(_ text: String, mount: Bool) -> String? {
        guard PathText.isAbsolute(text) else { return "\"\(text)\" is not absolute; it must start with '/'" }
        if text != "/", PathText.components(text).dropFirst().contains(where: PathText.isEmptyOrDot) {
            return "\"\(text)\" is not normalized: no empty, '.' or '..' components and no trailing '/'"
        }
        guard mount else { return nil }
        if text == "/" { return "\"/\" would hide the whole image; mount below it" }
        if let reserved = ManifestSchema.reservedMountRoots.first(where: { PathText.isWithin(text, $0) }) {
            return "\"\(text)\" would shadow \(reserved), which the runtime provides; mount somewhere else"
        }
        return nil
    }

    /// What a manifest says of a text that is not a duration.
    static func message(_ failure: DurationGrammar.Failure) -> String {
        switch failure {
        case let .malformed(text), let .finerThanSeconds(text):
            "must be a duration with units, largest first, such as \"500ms\", \"10s\", \"1m30s\" or \"2h\"; found \"\(text)\""
        case let .tooLong(text): "\"\(text)\" is too long a duration"
        }
    }

    static func list(_ values: [String]) -> String { values.map { "\"\($0)\"" }.joined(separator: ", ") }

    /// The first string in `value` (searched through arrays and tables) holding a NUL character.
    static func firstNulString(_ value: Value) -> String? {
        switch value {
        case let .string(text): text.contains("\0") ? text : nil
        case let .array(elements): elements.lazy.compactMap(firstNulString).first
        case let .table(members): members.keys.sorted().lazy.compactMap { firstNulString(members[$0]!) }.first
        default: nil
        }
    }
}

extension String {
    fileprivate var replacingNUL: String { split(separator: "\0", omittingEmptySubsequences: false).joined(separator: "\\0") }
}
