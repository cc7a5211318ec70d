import Foundation
import Testing

/// distribution-spec 1.1, "Listing Tags" (end-8a, end-8b).
@Suite struct ConformanceTagsTests {
    /// Tags whose byte order and case-insensitive order agree (the spec's "lexical order").
    private static let tags = ["v2", "alpha", "1.0", "beta", "v10", "1-rc"]
    private static let sorted = ["1-rc", "1.0", "alpha", "beta", "v10", "v2"]

    private static func pushTags(_ registry: RegistryUnderTest, _ repository: String) async throws {
        let image = try await registry.http.pushImage(repository)
        for tag in tags { try await registry.http.pushManifest(repository, tag, image.manifest) }
    }

    private static func list(
        _ registry: RegistryUnderTest, _ target: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (tags: [String], response: RegistryHTTP.Response) {
        let response = try await registry.http.get(target, sourceLocation: sourceLocation)
        response.expectStatus(200, sourceLocation: sourceLocation)
        let body = try response.json(sourceLocation: sourceLocation)
        let tags = try #require(body["tags"] as? [String], "no tags array: \(response)", sourceLocation: sourceLocation)
        return (tags, response)
    }

    @Test("tags list: 200 with the repository's name and every tag", arguments: RegistryKind.allCases)
    func listsEveryTag(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            try await Self.pushTags(registry, repository)
            let (tags, response) = try await Self.list(registry, "/v2/\(repository)/tags/list")
            #expect(try response.json()["name"] as? String == repository)
            #expect(Set(tags) == Set(Self.tags))
            #expect(tags.count == Self.tags.count)
        }
    }

    @Test("tags list is in lexical order", arguments: [RegistryKind.klein])
    func lexicalOrder(kind: RegistryKind) async throws {
        // Distribution 2.8 lists tags in storage order, violating end-8a's MUST ("tags MUST be in lexical order").
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            try await Self.pushTags(registry, repository)
            #expect(try await Self.list(registry, "/v2/\(repository)/tags/list").tags == Self.sorted)
        }
    }

    @Test("n and last paginate, with Link: <…/tags/list?n=…&last=…>; rel=\"next\"", arguments: [RegistryKind.klein])
    func pagination(kind: RegistryKind) async throws {
        // Distribution 2.8 ignores n and last on tags/list, violating end-8b's MUST ("the response MUST include <int> results").
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            try await Self.pushTags(registry, repository)

            let first = try await Self.list(registry, "/v2/\(repository)/tags/list?n=4")
            #expect(first.tags == Array(Self.sorted.prefix(4)))
            // The Link header is a MAY in the spec (and a MUST in RFC 5988 form when sent); Klein promises it.
            let next = try #require(first.response.nextLink(), "no Link header: \(first.response)")
            let nextURL = try registry.http.url(next)
            #expect(nextURL.path == "/v2/\(repository)/tags/list")
            let query = URLComponents(url: nextURL, resolvingAgainstBaseURL: false)?.queryItems ?? []
            #expect(query.first { $0.name == "n" }?.value == "4")
            #expect(query.first { $0.name == "last" }?.value == "beta")

            let second = try await Self.list(registry, next)
            #expect(second.tags == Array(Self.sorted.dropFirst(4)))
            #expect(second.response.nextLink() == nil, "no tags remain: \(second.response)")

            #expect(try await Self.list(registry, "/v2/\(repository)/tags/list?n=2&last=alpha").tags == ["beta", "v10"])
            #expect(try await Self.list(registry, "/v2/\(repository)/tags/list?last=beta").tags == ["v10", "v2"])
            let all = try await Self.list(registry, "/v2/\(repository)/tags/list?n=100")
            #expect(all.tags == Self.sorted)
            #expect(all.response.nextLink() == nil)
        }
    }

    @Test("n=0: an empty list and no Link header", arguments: [RegistryKind.klein])
    func zero(kind: RegistryKind) async throws {
        // Distribution 2.8 ignores n on tags/list and returns every tag, violating end-8b's MUST.
        try await RegistryUnderTest.with(kind) { registry in
            let repository = TestContent.repository()
            try await Self.pushTags(registry, repository)
            let empty = try await Self.list(registry, "/v2/\(repository)/tags/list?n=0")
            #expect(empty.tags.isEmpty)
            #expect(empty.response.header("Link") == nil)
        }
    }

    @Test("tags of a repository that does not exist: 404 NAME_UNKNOWN", arguments: RegistryKind.allCases)
    func unknownRepository(kind: RegistryKind) async throws {
        try await RegistryUnderTest.with(kind) { registry in
            try await registry.http.get("/v2/\(TestContent.repository())/tags/list").expectError(status: 404, code: "NAME_UNKNOWN")
        }
    }
}
