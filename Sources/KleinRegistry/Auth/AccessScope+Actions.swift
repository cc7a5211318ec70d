extension AccessScope {
    /// Whether this is `registry:catalog`, the `/v2/_catalog` endpoint's scope.
    var isCatalog: Bool { resourceType == "registry" && name == "catalog" }

    /// The actions with `*` expanded to pull, push and delete for
    /// repositories (Docker token spec uses `*` for "all actions").
    var expandedActions: Set<String> {
        guard resourceType == "repository" else { return Set(actions) }
        var result = Set(actions)
        if result.remove("*") != nil { result.formUnion(PolicyAction.repositoryActions) }
        return result
    }

    /// Whether `granted` (a list of scopes, e.g. a token's access claim)
    /// gives every action this scope asks for.
    func isCovered(by granted: [AccessScope]) -> Bool {
        var available = Set<String>()
        for scope in granted where scope.resourceType == resourceType && scope.name == name {
            available.formUnion(scope.expandedActions)
        }
        return expandedActions.isSubset(of: available)
    }
}
