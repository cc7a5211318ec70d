/// Who may pull, push, delete and list what: `[groups]` plus an ordered list
/// of `[[rule]]`s, loaded from TOML (see ``init(toml:source:)``).
///
/// Access is the union of every rule that applies to the user and matches
/// the repository. Nothing is granted unless a rule grants it.
public struct AccessPolicy: Sendable {
    let groups: [String: Set<String>]
    let rules: [PolicyRule]

    init(groups: [String: Set<String>], rules: [PolicyRule]) {
        self.groups = groups
        self.rules = rules
    }

    /// The default when authentication is on and no policy file is given:
    /// every authenticated user may pull, push, delete and list the catalog;
    /// anonymous requests get nothing.
    public static let authenticatedFullAccess = AccessPolicy(groups: [:], rules: [
        PolicyRule(
            repositories: [RepositoryPattern("**")].compactMap { $0 }, anonymous: false,
            users: ["*"], groups: [], actions: Set(PolicyAction.allCases))
    ])

    /// Everyone, with or without credentials, may do everything. Used when
    /// authentication is off.
    public static let anonymousFullAccess = AccessPolicy(groups: [:], rules: [
        PolicyRule(
            repositories: [RepositoryPattern("**")].compactMap { $0 }, anonymous: true,
            users: [], groups: [], actions: Set(PolicyAction.allCases))
    ])

    /// The actions of `scope` that `user` (`nil` = anonymous) is granted,
    /// sorted. A requested `*` on a repository stands for pull, push and
    /// delete, and is answered with those actions. `registry:catalog:*` is
    /// granted (as `*`) by any applicable rule with the `catalog` action,
    /// whatever its repository patterns. Other resource types get nothing.
    public func grantedActions(user: String?, scope: AccessScope) -> [String] {
        let applicable = rules.filter { $0.applies(to: user, groupMembers: groups) }
        if scope.isCatalog {
            let allowed = applicable.contains { $0.actions.contains(.catalog) }
            return allowed && scope.actions.contains("*") ? ["*"] : []
        }
        guard scope.resourceType == "repository" else { return [] }
        var permitted = Set<String>()
        for rule in applicable where rule.matches(repository: scope.name) {
            permitted.formUnion(rule.actions.map(\.rawValue))
        }
        return scope.expandedActions.intersection(permitted).sorted()
    }

    /// Whether `user` is granted every action `scope` asks for.
    func allows(user: String?, scope: AccessScope) -> Bool {
        scope.isCovered(by: [AccessScope(
            resourceType: scope.resourceType, name: scope.name,
            actions: grantedActions(user: user, scope: scope))])
    }
}
