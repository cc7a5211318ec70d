/// A resource scope as used by Docker token authentication: the resource
/// type, its name and the actions requested on (or granted for) it.
///
/// Docker registry token spec, "Requesting a Token" / scope grammar:
/// `scope := resourcetype ":" resourcename ":" action [ "," action ]*`.
/// The resource name may itself contain `:` (e.g. `localhost:5000/app`), so
/// the type ends at the first `:` and the actions begin after the last one.
public struct AccessScope: Hashable, Sendable, CustomStringConvertible {
    /// `repository` or `registry` (other types parse but are never granted).
    public let resourceType: String
    /// The repository name, or `catalog` for the registry catalog.
    public let name: String
    /// Actions, sorted and without duplicates. May be empty in a token's
    /// granted access (a scope that was asked for but granted nothing).
    public let actions: [String]

    /// Creates a scope; `actions` are sorted and de-duplicated.
    public init(resourceType: String, name: String, actions: [String]) {
        self.resourceType = resourceType
        self.name = name
        self.actions = Array(Set(actions)).sorted()
    }

    /// Parses `type:name:action1,action2`. Returns `nil` when the type, the
    /// name, the action list or any single action is empty, or when the text
    /// contains whitespace or control characters.
    public init?(parsing text: String) {
        guard !text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }),
              let firstColon = text.firstIndex(of: ":"),
              let lastColon = text.lastIndex(of: ":"),
              firstColon < lastColon
        else { return nil }
        let type = String(text[..<firstColon])
        let name = String(text[text.index(after: firstColon)..<lastColon])
        let actions = text[text.index(after: lastColon)...]
            .split(separator: ",", omittingEmptySubsequences: false)
            .map(String.init)
        guard !type.isEmpty, !name.isEmpty, !actions.contains(where: \.isEmpty) else { return nil }
        self.init(resourceType: type, name: name, actions: actions)
    }

    /// A `repository` scope, e.g. `.repository("library/alpine", "pull")`.
    public static func repository(_ name: String, _ actions: String...) -> AccessScope {
        AccessScope(resourceType: "repository", name: name, actions: actions)
    }

    /// `registry:catalog:*`, the scope of the `/v2/_catalog` endpoint.
    public static let catalog = AccessScope(resourceType: "registry", name: "catalog", actions: ["*"])

    /// The scope in the token-spec grammar, e.g. `repository:app:pull,push`.
    public var description: String {
        "\(resourceType):\(name):\(actions.joined(separator: ","))"
    }
}
