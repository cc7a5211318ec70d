import Testing
@testable import KleinRegistry

@Suite struct AccessScopeTests {
    @Test(arguments: [
        ("repository:library/alpine:pull", "repository", "library/alpine", ["pull"]),
        ("repository:app:push,pull", "repository", "app", ["pull", "push"]),
        ("repository:app:pull,push,pull", "repository", "app", ["pull", "push"]),
        ("repository:localhost:5000/x:pull", "repository", "localhost:5000/x", ["pull"]),
        ("repository:a:b:c:delete", "repository", "a:b:c", ["delete"]),
        ("registry:catalog:*", "registry", "catalog", ["*"]),
        ("repository(plugin):app:pull", "repository(plugin)", "app", ["pull"]),
    ])
    func parsesValidScopes(text: String, type: String, name: String, actions: [String]) throws {
        let scope = try #require(AccessScope(parsing: text))
        #expect(scope.resourceType == type)
        #expect(scope.name == name)
        #expect(scope.actions == actions)
    }

    @Test(arguments: [
        "", "repository", "repository:app", ":app:pull", "repository::pull", "repository:app:",
        "repository:app:pull,", "repository:app:,pull", "repository:app:pull,,push",
        "repository:my app:pull", "repository:app:pull\n", "repository:app:pu\u{0}ll", "::", ":::",
    ])
    func rejectsInvalidScopes(text: String) {
        #expect(AccessScope(parsing: text) == nil)
    }

    @Test(arguments: ["repository:app:pull,push", "repository:localhost:5000/x:delete", "registry:catalog:*"])
    func descriptionRoundTrips(text: String) throws {
        let scope = try #require(AccessScope(parsing: text))
        #expect(scope.description == text)
        #expect(AccessScope(parsing: scope.description) == scope)
    }

    @Test func factoriesBuildExpectedScopes() {
        #expect(AccessScope.repository("team/app", "push", "pull").description == "repository:team/app:pull,push")
        #expect(AccessScope.catalog.description == "registry:catalog:*")
        #expect(AccessScope.repository("a", "pull") != AccessScope.repository("b", "pull"))
    }

    @Test func starCoversAllRepositoryActions() {
        let granted = [AccessScope.repository("app", "*")]
        #expect(AccessScope.repository("app", "pull", "push", "delete").isCovered(by: granted))
        #expect(!AccessScope.repository("other", "pull").isCovered(by: granted))
        #expect(!AccessScope.repository("app", "pull").isCovered(by: [.repository("app", "push")]))
    }
}
