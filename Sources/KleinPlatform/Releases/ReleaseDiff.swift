import KleinOCI

/// What changed from one release to another: the image digest and each key of the effective
/// platform manifest that was added, removed or changed.
public struct ReleaseDiff: Sendable {
    /// One key of the platform manifest that differs.
    public struct Change: Sendable, Hashable {
        /// The key's dotted path, e.g. `resources.memory`.
        public let key: String
        /// Canonical JSON of the value in the first release; nil when the key is new.
        public let old: String?
        /// Canonical JSON of the value in the second release; nil when the key is gone.
        public let new: String?
    }

    /// Whether the image digest differs.
    public let imageChanged: Bool
    /// The keys that differ, sorted.
    public let changes: [Change]

    /// The differences from `a` to `b`.
    public init(from a: Release, to b: Release) {
        imageChanged = a.image.digest != b.image.digest
        let old = Self.flatten((try? JSONParser.parse(a.manifest)) ?? .null)
        let new = Self.flatten((try? JSONParser.parse(b.manifest)) ?? .null)
        changes = Set(old.keys).union(new.keys).sorted().compactMap { key in
            old[key] == new[key] ? nil : Change(key: key, old: old[key], new: new[key])
        }
    }

    /// Leaves by key path (`resources.memory`, `ports[0].name`), as canonical JSON; empty tables and arrays are leaves.
    static func flatten(_ value: JSONValue, prefix: String = "") -> [String: String] {
        switch value {
        case let .object(members) where !members.isEmpty:
            members.reduce(into: [:]) { result, member in
                result.merge(flatten(member.value, prefix: prefix.isEmpty ? member.key : "\(prefix).\(member.key)")) { first, _ in first }
            }
        case let .array(elements) where !elements.isEmpty:
            elements.enumerated().reduce(into: [:]) { result, element in
                result.merge(flatten(element.element, prefix: "\(prefix)[\(element.offset)]")) { first, _ in first }
            }
        default:
            [prefix: String(decoding: value.canonicalBytes, as: UTF8.self)]
        }
    }
}
