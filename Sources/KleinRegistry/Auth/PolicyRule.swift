/// An action a policy rule can grant.
enum PolicyAction: String, Sendable, CaseIterable {
    case pull, push, delete, catalog

    /// The repository actions `*` stands for (Docker token spec, "Scope"
    /// examples: `repository:samalba/my-app:*`).
    static let repositoryActions: Set<String> = ["pull", "push", "delete"]
}

/// One `[[rule]]` of an access policy: who may do what on which repositories.
struct PolicyRule: Sendable {
    var repositories: [RepositoryPattern]
    /// The rule also applies to requests without credentials.
    var anonymous: Bool
    /// Named users; `"*"` means every authenticated user.
    var users: Set<String>
    /// Group names, resolved through the policy's `[groups]` table.
    var groups: [String]
    var actions: Set<PolicyAction>

    /// Whether the rule applies to `user` (`nil` = anonymous). Rules marked
    /// `anonymous` apply to everyone: logging in never loses access.
    func applies(to user: String?, groupMembers: [String: Set<String>]) -> Bool {
        if anonymous { return true }
        guard let user else { return false }
        if users.contains("*") || users.contains(user) { return true }
        return groups.contains { groupMembers[$0]?.contains(user) ?? false }
    }

    func matches(repository name: String) -> Bool {
        repositories.contains { $0.matches(name) }
    }
}
