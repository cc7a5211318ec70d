import Foundation
import Testing
@testable import KleinRegistry

@Suite struct AuthPolicyTests {
    @Test(arguments: [
        ("public/**", "public/app", true),
        ("public/**", "public/a/b/c", true),
        ("public/**", "publicity/app", false),
        ("public/**", "private/public/app", false),
        ("team/*", "team/app", true),
        ("team/*", "team/app/sub", false),
        ("team/*", "team", false),
        ("team/*/cache", "team/app/cache", true),
        ("team/*/cache", "team/a/b/cache", false),
        ("team/**/cache", "team/a/b/cache", true),
        ("**", "anything/at/all", true),
        ("*", "top", true),
        ("*", "a/b", false),
        ("app", "app", true),
        ("app", "app2", false),
        ("a*b*c", "axxbyyc", true),
        ("a*b*c", "axxbyy", false),
        ("*-dev", "api-dev", true),
        ("x.y", "xzy", false),
    ])
    func globMatching(pattern: String, name: String, expected: Bool) throws {
        let glob = try #require(RepositoryPattern(pattern))
        #expect(glob.matches(name) == expected)
    }

    @Test func pathologicalGlobIsFast() throws {
        let glob = try #require(RepositoryPattern(String(repeating: "*a", count: 40) + "b"))
        let name = String(repeating: "a", count: 255)
        let elapsed = ContinuousClock().measure { #expect(!glob.matches(name)) }
        #expect(elapsed < .seconds(1))
    }

    @Test(arguments: [
        // (user, scope, granted)
        (String?.none, "repository:public/app:pull", ["pull"]),
        (String?.none, "repository:public/app:pull,push", ["pull"]),
        (String?.none, "repository:private/app:pull", [String]()),
        (String?.none, "registry:catalog:*", [String]()),
        ("rita", "repository:private/app:pull,push", ["pull"]),
        ("rita", "repository:public/app:*", ["pull"]),
        ("walt", "repository:private/app:*", ["pull", "push"]),
        ("walt", "repository:private/app:delete", [String]()),
        ("walt", "registry:catalog:*", [String]()),
        ("ada", "repository:any/thing:*", ["delete", "pull", "push"]),
        ("ada", "repository:any/thing:pull,bogus", ["pull"]),
        ("ada", "registry:catalog:*", ["*"]),
        ("ada", "registry:other:*", [String]()),
        ("ada", "plugin:any/thing:pull", [String]()),
        ("stranger", "repository:public/app:pull", ["pull"]),
        ("stranger", "repository:private/app:pull", [String]()),
    ])
    func grantsFromFixturePolicy(user: String?, scope: String, granted: [String]) throws {
        let policy = try AuthFixtures.policy()
        let parsed = try #require(AccessScope(parsing: scope))
        #expect(policy.grantedActions(user: user, scope: parsed) == granted)
    }

    @Test func groupsUsersWildcardsAndUnions() throws {
        let policy = try AccessPolicy(toml: """
            [groups]
            developers = ["alice", "bob"]
            ops = ["carol"]

            [[rule]]
            repositories = ["team/*"]
            users = ["carol"]
            groups = ["developers"]
            actions = ["pull", "push"]

            [[rule]]
            repositories = ["team/*", "shared/**"]
            groups = ["ops"]
            actions = ["delete"]

            [[rule]]
            repositories = ["shared/**"]
            users = ["*"]
            actions = ["pull"]

            [[rule]]
            users = ["carol"]
            actions = ["catalog"]
            """, source: "p.toml")
        let all = AccessScope.repository("team/app", "*")
        #expect(policy.grantedActions(user: "alice", scope: all) == ["pull", "push"])
        #expect(policy.grantedActions(user: "carol", scope: all) == ["delete", "pull", "push"])
        #expect(policy.grantedActions(user: "dave", scope: all) == [])
        #expect(policy.grantedActions(user: nil, scope: .repository("shared/x", "pull")) == [])
        #expect(policy.grantedActions(user: "dave", scope: .repository("shared/x", "*")) == ["pull"])
        #expect(policy.grantedActions(user: "carol", scope: .repository("shared/x", "*")) == ["delete", "pull"])
        #expect(policy.grantedActions(user: "carol", scope: .catalog) == ["*"])
        #expect(policy.grantedActions(user: "alice", scope: .catalog) == [])
    }

    @Test func defaultPolicies() {
        let scope = AccessScope.repository("x/y", "*")
        #expect(AccessPolicy.authenticatedFullAccess.grantedActions(user: "u", scope: scope) == ["delete", "pull", "push"])
        #expect(AccessPolicy.authenticatedFullAccess.grantedActions(user: "u", scope: .catalog) == ["*"])
        #expect(AccessPolicy.authenticatedFullAccess.grantedActions(user: nil, scope: scope) == [])
        #expect(AccessPolicy.authenticatedFullAccess.grantedActions(user: nil, scope: .catalog) == [])
        #expect(AccessPolicy.anonymousFullAccess.grantedActions(user: nil, scope: scope) == ["delete", "pull", "push"])
        #expect(AccessPolicy.anonymousFullAccess.grantedActions(user: nil, scope: .catalog) == ["*"])
    }

    @Test func emptyPolicyGrantsNothing() throws {
        let policy = try AccessPolicy(toml: "", source: "empty.toml")
        #expect(policy.grantedActions(user: "root", scope: .repository("a", "pull")) == [])
    }

    @Test func loadsFromFile() throws {
        try AuthFixtures.inTemporaryDirectory { directory in
            let path = directory + "/policy.toml"
            try AuthFixtures.policyTOML.write(toFile: path, atomically: true, encoding: .utf8)
            let policy = try AccessPolicy(contentsOf: path)
            #expect(policy.grantedActions(user: "walt", scope: .repository("a", "push")) == ["push"])
            #expect(throws: AuthError.self) { try AccessPolicy(contentsOf: path + ".missing") }
        }
    }

    @Test(arguments: [
        ("colour = 1", "colour", "unknown key"),
        ("[[rule]]\nrepositories = [\"a\"]\nusers = [\"u\"]\nactions = [\"pull\"]\nuser = [\"x\"]", "rule[1].user", "unknown key"),
        ("[[rule]]\nrepositories = [\"a\"]\nusers = [\"u\"]\nactions = [\"pul\"]", "rule[1].actions", "unknown action \"pul\""),
        ("[[rule]]\nrepositories = [\"a\"]\nusers = [\"u\"]\nactions = \"pull\"", "rule[1].actions", "expected an array of strings"),
        ("[[rule]]\nrepositories = [\"a\"]\nusers = [\"u\"]\nactions = []", "rule[1].actions", "no actions"),
        ("[[rule]]\nrepositories = [\"a\"]\nusers = [\"u\"]", "rule[1].actions", "missing"),
        ("[[rule]]\nusers = [\"u\"]\nactions = [\"pull\"]", "rule[1].repositories", "missing"),
        ("[[rule]]\nrepositories = [\"\"]\nusers = [\"u\"]\nactions = [\"pull\"]", "rule[1].repositories", "empty"),
        ("[[rule]]\nrepositories = [1]\nusers = [\"u\"]\nactions = [\"pull\"]", "rule[1].repositories", "integer"),
        ("[[rule]]\nrepositories = [\"a\"]\nanonymous = \"yes\"\nactions = [\"pull\"]", "rule[1].anonymous", "expected true or false"),
        ("[[rule]]\nrepositories = [\"a\"]\nactions = [\"pull\"]", "rule[1]", "applies to nobody"),
        ("[[rule]]\nrepositories = [\"a\"]\nanonymous = true\nactions = [\"pull\"]\n[[rule]]\nrepositories = [\"a\"]\ngroups = [\"devs\"]\nactions = [\"pull\"]", "rule[2].groups", "\"devs\" is not defined"),
        ("[rule]\nrepositories = [\"a\"]", "rule", "array of tables"),
        ("groups = [\"a\"]", "groups", "expected a table"),
        ("[groups]\ndevs = \"alice\"", "groups.devs", "expected an array of strings"),
        ("[groups]\ndevs = [\"alice\", 2]", "groups.devs", "integer"),
        ("[[rule]\nbroken", "(document)", "TOML syntax error at line 1"),
    ])
    func rejectsInvalidPolicies(toml: String, key: String, reason: String) {
        #expect {
            try AccessPolicy(toml: toml, source: "/etc/klein/policy.toml")
        } throws: { error in
            guard case .policy(let source, let errorKey, let message) = error as? AuthError else { return false }
            return source == "/etc/klein/policy.toml" && errorKey == key && message.contains(reason)
        }
    }

    @Test func exampleFromDocumentationParses() throws {
        let policy = try AccessPolicy(toml: """
            [groups]
            developers = ["alice", "bob"]

            [[rule]]
            repositories = ["public/**"]   # glob
            anonymous = true
            actions = ["pull"]

            [[rule]]
            repositories = ["team/*"]
            users = ["carol"]
            groups = ["developers"]
            actions = ["pull", "push"]

            [[rule]]
            repositories = ["**"]
            users = ["root"]
            actions = ["*", "catalog"]
            """, source: "doc.toml")
        #expect(policy.grantedActions(user: "bob", scope: .repository("team/x", "push")) == ["push"])
        #expect(policy.grantedActions(user: "root", scope: .catalog) == ["*"])
        #expect(policy.grantedActions(user: nil, scope: .repository("public/a/b", "pull")) == ["pull"])
    }
}
