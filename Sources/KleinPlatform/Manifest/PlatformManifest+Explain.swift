import KleinConfig

extension PlatformManifest {
    /// The effective manifest as TOML, keys in schema order, each default marked `# default`:
    /// what `klein manifest explain` prints. Reading it back gives the same content hash.
    public var explanation: String {
        let defaults = Set(defaulted)
        var lines: [String] = []
        var sections: [String] = []
        func scalar(_ field: ManifestField, _ value: Value, path: String) -> String {
            "\(TOMLText.key(field.key)) = \(TOMLText.value(value))" + (defaults.contains(path) ? "  # default" : "")
        }
        func table(_ fields: [ManifestField], _ members: [String: Value], path: String, into out: inout [String]) {
            for field in fields {
                guard let value = members[field.key] else { continue }
                out.append(scalar(field, value, path: "\(path).\(field.key)"))
            }
        }
        for field in ManifestSchema.root {
            guard let value = effective[field.key] else { continue }
            switch (field.type, value) {
            case let (.table(fields), .table(members)):
                var section = ["", "[\(field.key)]"]
                table(fields, members, path: field.key, into: &section)
                sections += section
            case let (.tables(fields), .array(elements)) where !elements.isEmpty:
                for (index, element) in elements.enumerated() {
                    guard case let .table(members) = element else { continue }
                    var section = ["", "[[\(field.key)]]"]
                    table(fields, members, path: "\(field.key)[\(index)]", into: &section)
                    sections += section
                }
            default:
                lines.append(scalar(field, value, path: field.key))
            }
        }
        return (lines + sections).joined(separator: "\n") + "\n"
    }
}

/// TOML spellings of keys and values, for manifests Klein prints.
enum TOMLText {
    static func key(_ key: String) -> String {
        let bare = !key.isEmpty && key.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
        return bare ? key : string(key)
    }

    static func value(_ value: ConfigDocument.Value) -> String {
        switch value {
        case let .string(text): string(text)
        case let .integer(number): String(number)
        case let .float(number): String(number)
        case let .bool(flag): flag ? "true" : "false"
        case let .array(elements): "[" + elements.map(self.value).joined(separator: ", ") + "]"
        case let .table(members):
            members.isEmpty ? "{}" : "{ " + members.keys.sorted().map { "\(key($0)) = \(self.value(members[$0]!))" }.joined(separator: ", ") + " }"
        case let .other(kind): "\"<\(kind)>\""
        }
    }

    /// A basic string: `"` and `\` escaped, control characters as `\uXXXX`.
    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
