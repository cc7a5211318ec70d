import Testing
@testable import KleinOCI

// Cases follow distribution/reference reference_test.go, normalize_test.go and regexp_test.go.

private let hex64 = String(repeating: "f", count: 64)
private let sha256F = "sha256:" + hex64
private let sha256Redis = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"
private let sha256Busybox = "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"
private let sha512F = "sha512:" + String(repeating: "f", count: 128)
private let imageID = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"

struct ValidReferenceCase: Sendable, CustomTestStringConvertible {
    let input: String
    let registry: String
    let repository: String
    let tag: String?
    let digest: String?
    /// Expected `familiarDescription`, when the case checks it.
    let familiar: String?

    init(_ input: String, _ registry: String, _ repository: String,
         tag: String? = nil, digest: String? = nil, familiar: String? = nil) {
        self.input = input
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
        self.familiar = familiar
    }

    var testDescription: String { input.count > 80 ? String(input.prefix(77)) + "…" : input }
}

struct InvalidReferenceCase: Sendable, CustomTestStringConvertible {
    let input: String
    /// A fragment the error's reason must contain.
    let reason: String

    init(_ input: String, _ reason: String) {
        self.input = input
        self.reason = reason
    }

    var testDescription: String { input.count > 80 ? String(input.prefix(77)) + "…" : input }
}

private let validCases: [ValidReferenceCase] = [
    // Docker Hub normalization (normalize.go splitDockerDomain).
    .init("ubuntu", "docker.io", "library/ubuntu", familiar: "ubuntu"),
    .init("ubuntu:22.04", "docker.io", "library/ubuntu", tag: "22.04", familiar: "ubuntu:22.04"),
    .init("library/ubuntu", "docker.io", "library/ubuntu", familiar: "ubuntu"),
    .init("docker.io/ubuntu", "docker.io", "library/ubuntu", familiar: "ubuntu"),
    .init("docker.io/library/ubuntu:latest", "docker.io", "library/ubuntu", tag: "latest", familiar: "ubuntu:latest"),
    .init("index.docker.io/foo/bar", "docker.io", "foo/bar", familiar: "foo/bar"),
    .init("index.docker.io/debian", "docker.io", "library/debian", familiar: "debian"),
    .init("dmcgowan/myapp", "docker.io", "dmcgowan/myapp", familiar: "dmcgowan/myapp"),
    .init("docker.io/library/foo/bar", "docker.io", "library/foo/bar", familiar: "library/foo/bar"),
    .init("other/library", "docker.io", "other/library", familiar: "other/library"),
    .init("test_com/foo", "docker.io", "test_com/foo"),
    .init("docker.io/foo.bar/baz", "docker.io", "foo.bar/baz", familiar: "docker.io/foo.bar/baz"),
    // Single components are never registries, even with "." or ":" (normalize.go fast path).
    .init("test.com:5000", "docker.io", "library/test.com", tag: "5000", familiar: "test.com:5000"),
    .init("foo_bar.com:8080", "docker.io", "library/foo_bar.com", tag: "8080"),
    .init("192.168.1.1", "docker.io", "library/192.168.1.1"),
    .init("localhost", "docker.io", "library/localhost", familiar: "localhost"),
    .init("localhost:8080", "docker.io", "library/localhost", tag: "8080"),
    .init("sha256:latest", "docker.io", "library/sha256", tag: "latest"),
    // localhost and IP registries.
    .init("localhost/repo", "localhost", "repo", familiar: "localhost/repo"),
    .init("localhost:5000/repo:tag", "localhost:5000", "repo", tag: "tag", familiar: "localhost:5000/repo:tag"),
    .init("localhost:5000/a/b/c@" + sha256F, "localhost:5000", "a/b/c", digest: sha256F),
    .init("127.0.0.1:5000/debian", "127.0.0.1:5000", "debian"),
    .init("127.0.0.1:8000/private/moonbase", "127.0.0.1:8000", "private/moonbase",
          familiar: "127.0.0.1:8000/private/moonbase"),
    .init("192.168.1.1/repo", "192.168.1.1", "repo"),
    .init("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", tag: "5050"),
    .init("[::1]:5000/repo", "[::1]:5000", "repo"),
    .init("[fe80::1]:5000/repo", "[fe80::1]:5000", "repo"),
    .init("[2001:db8::1]/repo", "[2001:db8::1]", "repo"),
    .init("[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", tag: "tag"),
    .init("[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo"),
    .init("[2001:db8::1]:5000/repo:tag@" + sha256F, "[2001:db8::1]:5000", "repo", tag: "tag", digest: sha256F),
    // Registry detection by uppercase, and uppercase hosts kept as written.
    .init("Foo.com/bar", "Foo.com", "bar", familiar: "Foo.com/bar"),
    .init("Foo/bar", "Foo", "bar", familiar: "Foo/bar"),
    .init("FOO/bar", "FOO", "bar"),
    .init("Asdf.com/foo/bar", "Asdf.com", "foo/bar"),
    .init("test:5000/repo", "test:5000", "repo"),
    .init("test-com:8080/foo", "test-com:8080", "foo"),
    .init("0101.com/foo", "0101.com", "foo"),
    .init("sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux", tag: "some-long-tag"),
    .init("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app",
          tag: "test.example.com"),
    .init("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", tag: "xn--n3h.com"),
    .init("xn--7o8h.com/myimage:xn--7o8h.com@" + sha512F, "xn--7o8h.com", "myimage", tag: "xn--7o8h.com",
          digest: sha512F),
    // Path-component separators (regexp.go separator).
    .init("a__b", "docker.io", "library/a__b"),
    .init("a_b.c-d", "docker.io", "library/a_b.c-d"),
    .init("example.com/some_separator__underscore/myimage", "example.com", "some_separator__underscore/myimage"),
    .init("registry.io/foo/project--id.module--name.ver---sion--name", "registry.io",
          "foo/project--id.module--name.ver---sion--name"),
    .init("docker---rules/docker", "docker.io", "docker---rules/docker"),
    .init("dock__er/docker", "docker.io", "dock__er/docker"),
    .init("d/docker", "docker.io", "d/docker"),
    .init("jess/t", "docker.io", "jess/t"),
    // Tags.
    .init("lowercase:Uppercase", "docker.io", "library/lowercase", tag: "Uppercase", familiar: "lowercase:Uppercase"),
    .init("foo:_tag", "docker.io", "library/foo", tag: "_tag"),
    .init("foo:" + String(repeating: "t", count: 128), "docker.io", "library/foo",
          tag: String(repeating: "t", count: 128)),
    // Digests, and tag plus digest kept together.
    .init("redis@" + sha256Redis, "docker.io", "library/redis", digest: sha256Redis, familiar: "redis@" + sha256Redis),
    .init("busybox:latest@" + sha256Busybox, "docker.io", "library/busybox", tag: "latest", digest: sha256Busybox,
          familiar: "busybox:latest@" + sha256Busybox),
    .init("docker.io/dmcgowan/myapp@" + sha256Redis, "docker.io", "dmcgowan/myapp", digest: sha256Redis,
          familiar: "dmcgowan/myapp@" + sha256Redis),
    // Image-ID-looking names are fine once qualified, and 63 hex digits are just a name.
    .init("docker.io/" + imageID, "docker.io", "library/" + imageID, familiar: "library/" + imageID),
    .init(String(imageID.dropLast()), "docker.io", "library/" + String(imageID.dropLast())),
    .init("thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "docker.io",
          "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev"),
    // Length limits (reference.go RepositoryNameTotalLengthMax applies to the path only).
    .init("example.com/" + String(repeating: "a", count: 255) + ":tag", "example.com",
          String(repeating: "a", count: 255), tag: "tag"),
    .init(String(repeating: "a", count: 247), "docker.io", "library/" + String(repeating: "a", count: 247)),
    .init(String(repeating: "a/", count: 127) + "a:tag-puts-this-over-max", "docker.io",
          String(repeating: "a/", count: 127) + "a", tag: "tag-puts-this-over-max"),
]

private let invalidCases: [InvalidReferenceCase] = [
    .init("", "must not be empty"),
    // Uppercase in the path (reference.go ErrNameContainsUppercase).
    .init("Uppercase:tag", "uppercase letters are not allowed in the repository path"),
    .init("UPPER", "uppercase letters are not allowed"),
    .init("test:5000/Uppercase/lowercase:tag", "uppercase letters are not allowed"),
    .init("docker/Docker", "uppercase letters are not allowed"),
    .init("docker.io/docker/Docker", "uppercase letters are not allowed"),
    // Slashes.
    .init("docker///docker", "empty path component"),
    .init("foo//bar", "empty path component"),
    .init("foo/", "empty path component"),
    .init("/foo", "empty path component"),
    .init("docker.io/docker///docker", "empty path component"),
    .init("foo.com/", "missing repository path"),
    // Separators.
    .init("-docker", "must start with a lowercase letter or digit"),
    .init("-docker/docker", "must start with a lowercase letter or digit"),
    .init("docker-/docker", "must end with a lowercase letter or digit"),
    .init("foo/bar-", "must end with a lowercase letter or digit"),
    .init("_docker/_docker", "must start with"),
    .init("____/____", "must start with"),
    .init("example.com/.dots/myimage", "must start with"),
    .init("a___b", "separator \"___\""),
    .init("a..b", "separator \"..\""),
    .init("example.com/nodouble..dots/myimage", "separator \"..\""),
    .init("docker/dock_.er", "separator \"_.\""),
    .init("docker/dock-.er", "separator \"-.\""),
    // With a "." the first component is a registry (normalize.go), so these fail as hosts.
    .init("dock_.er/docker", "invalid character \"_\" in registry host"),
    .init("dock-.er/docker", "must not start or end with \"-\""),
    .init("aa/asdf$$^/aa", "invalid character \"$\""),
    .init("foo bar", "invalid character \" \""),
    .init("caf\u{E9}", "non-ASCII character"),
    // Lengths.
    .init("example.com/" + String(repeating: "a", count: 256), "must not exceed 255 characters"),
    .init("domain.com/" + String(repeating: "a", count: 256) + ":tag", "must not exceed 255 characters"),
    .init(String(repeating: "a", count: 248), "must not exceed 255 characters"),
    .init("foo:" + String(repeating: "t", count: 129), "is longer than 128 characters"),
    // Tags.
    .init("repo:", "empty tag"),
    .init(":justtag", "missing repository name"),
    .init("repo:-tag", "must start with a letter, digit or \"_\""),
    .init("repo:.tag", "must start with a letter, digit or \"_\""),
    .init("registry.com:8080/myapp:invalid~tag", "invalid character \"~\" in tag"),
    .init("foo:a:b", "invalid character \":\" in tag"),
    // Digests.
    .init("repo@", "empty digest"),
    .init("@" + sha256F, "missing repository name"),
    .init("repo@sha256:ffffffffffffffffffffffffffffffffff", "invalid digest"),
    .init("repo@sha256:" + String(repeating: "g", count: 64), "invalid digest"),
    .init("repo@sha256:" + String(repeating: "F", count: 64), "invalid digest"),
    .init("validname@invaliddigest:" + hex64, "invalid digest"),
    .init("registry.com:8080/myapp@sha256:badbadbadbad", "invalid digest"),
    .init("repo:tag@", "empty digest"),
    // Bare image IDs and bare digests name no repository (normalize.go ParseAnyReference).
    .init(imageID, "looks like an image ID"),
    .init(sha256F, "bare digest"),
    // Registries.
    .init("[fe80::1%en0]:5000/repo", "zone identifiers"),
    .init("[fe80::1%en0]/repo", "zone identifiers"),
    .init("[2001:db8::1]", "must be followed by \"/\""),
    .init("[2001:db8::1]:5000", "must be followed by \"/\""),
    .init("[2001:db8:3:4::192.0.2.33]:5000/debian", "hex digits"),
    .init("[fd00:1:2::3]75050/repo", "expected \":port\""),
    .init("fc00::1:5000/debian", "invalid port"),
    .init("foo.com:bar/baz", "invalid port"),
    .init("foo.com:/baz", "invalid port"),
    .init("localhost:http/name", "invalid port"),
    .init("https://github.com/docker/docker", "invalid port"),
    .init("ubuntu:latest/foo", "invalid port"),
    .init("bad_hostname.com:8080/myapp:tag", "invalid character \"_\" in registry host"),
    .init("-docker.io/docker/docker", "must not start or end with \"-\""),
    .init("ab-.com/foo", "must not start or end with \"-\""),
    .init("foo..com/bar", "empty label"),
]

@Suite("Reference")
struct ReferenceTests {
    @Test("valid references parse, normalize and round-trip", arguments: validCases)
    func valid(_ c: ValidReferenceCase) throws {
        let reference = try Reference(c.input)
        #expect(reference.registry == c.registry)
        #expect(reference.repository == c.repository)
        #expect(reference.tag == c.tag)
        #expect(reference.digest?.description == c.digest)
        #expect(reference.name == "\(c.registry)/\(c.repository)")
        if let familiar = c.familiar {
            #expect(reference.familiarDescription == familiar)
        }

        var expected = "\(c.registry)/\(c.repository)"
        if let tag = c.tag { expected += ":\(tag)" }
        if let digest = c.digest { expected += "@\(digest)" }
        #expect(reference.description == expected)

        #expect(try Reference(reference.description) == reference)
        #expect(try Reference(reference.familiarDescription) == reference)
        let rebuilt = try Reference(registry: reference.registry, repository: reference.repository,
                                    tag: reference.tag, digest: reference.digest)
        #expect(rebuilt == reference)
    }

    @Test("malformed references throw invalidReference with a specific reason", arguments: invalidCases)
    func invalid(_ c: InvalidReferenceCase) {
        do {
            let reference = try Reference(c.input)
            Issue.record("expected \(c.input) to be rejected, got \(reference)")
        } catch {
            guard case let .invalidReference(input, reason) = error else {
                Issue.record("expected invalidReference, got \(error)")
                return
            }
            #expect(input == c.input)
            #expect(reason.contains(c.reason), "reason was: \(reason)")
        }
    }

    @Test func tableSizes() {
        #expect(validCases.count >= 45)
        #expect(invalidCases.count >= 30)
    }

    @Test func missingTagStaysNil() throws {
        let reference = try Reference("ubuntu")
        #expect(reference.tag == nil)
        #expect(reference.tagOrDefault == "latest")
        #expect(reference.manifestReference == "latest")
        #expect(reference.description == "docker.io/library/ubuntu")
        #expect(try Reference("ubuntu:22.04").tagOrDefault == "22.04")
    }

    @Test func manifestReferencePrefersDigest() throws {
        let reference = try Reference("busybox:latest@" + sha256Busybox)
        #expect(reference.manifestReference == sha256Busybox)
    }

    @Test func equivalentSpellingsAreEqual() throws {
        let forms = ["ubuntu", "library/ubuntu", "docker.io/ubuntu", "docker.io/library/ubuntu",
                     "index.docker.io/ubuntu", "index.docker.io/library/ubuntu"]
        let references = try forms.map { try Reference($0) }
        #expect(Set(references).count == 1)
    }

    @Test func withTagKeepsDigestAndValidates() throws {
        let digest = try Digest(sha256F)
        let reference = try Reference("example.com:8000/foo@" + sha256F)
        let tagged = try reference.withTag("TAG5")
        #expect(tagged.tag == "TAG5")
        #expect(tagged.digest == digest)
        #expect(tagged.description == "example.com:8000/foo:TAG5@" + sha256F)
        #expect(try tagged.withTag("v2").tag == "v2")

        #expect(throws: OCIError.self) { try reference.withTag("-foo") }
        #expect(throws: OCIError.self) { try reference.withTag("") }
        #expect(throws: OCIError.self) { try reference.withTag(String(repeating: "x", count: 129)) }
    }

    @Test func withDigestKeepsTag() throws {
        let digest = try Digest(sha256Redis)
        let reference = try Reference("test.com:8000/foo:latest").withDigest(digest)
        #expect(reference.tag == "latest")
        #expect(reference.digest == digest)
        #expect(reference.description == "test.com:8000/foo:latest@" + sha256Redis)
        #expect(reference.familiarDescription == "test.com:8000/foo:latest@" + sha256Redis)
    }

    @Test func memberwiseInitNormalizes() throws {
        let reference = try Reference(registry: "index.docker.io", repository: "ubuntu", tag: "22.04", digest: nil)
        #expect(reference.registry == "docker.io")
        #expect(reference.repository == "library/ubuntu")
        #expect(reference == (try Reference("ubuntu:22.04")))

        let local = try Reference(registry: "[::1]:5000", repository: "a/b", tag: nil, digest: try Digest(sha256F))
        #expect(local.description == "[::1]:5000/a/b@" + sha256F)
    }

    @Test(arguments: [
        ("docker.io", "Ubuntu", "uppercase"),
        ("docker.io", "a//b", "empty path component"),
        ("docker.io", "", "must not be empty"),
        ("foo.com:bar", "repo", "invalid port"),
        ("", "repo", "must not be empty"),
        ("myhost", "repo", "Docker Hub namespace"),
        ("foo.com", String(repeating: "a", count: 256), "must not exceed 255"),
        ("docker.io", String(repeating: "a", count: 248), "must not exceed 255"),
        ("[fe80::1%en0]", "repo", "zone identifiers"),
    ])
    func memberwiseInitRejects(registry: String, repository: String, reason: String) {
        do {
            _ = try Reference(registry: registry, repository: repository, tag: nil, digest: nil)
            Issue.record("expected \(registry)/\(repository) to be rejected")
        } catch {
            guard case let .invalidReference(_, actual) = error else {
                Issue.record("expected invalidReference, got \(error)")
                return
            }
            #expect(actual.contains(reason), "reason was: \(actual)")
        }
    }

    @Test func memberwiseInitRejectsBadTag() {
        #expect(throws: OCIError.self) {
            try Reference(registry: "example.com", repository: "repo", tag: "bad~tag", digest: nil)
        }
    }

    @Test(arguments: [
        ("localhost/repo", true),
        ("localhost:5000/repo", true),
        ("LOCALHOST/repo", true),
        ("127.0.0.1/repo", true),
        ("127.0.0.1:5000/repo", true),
        ("127.255.3.4:80/repo", true),
        ("[::1]/repo", true),
        ("[::1]:5000/repo", true),
        ("[0:0:0:0:0:0:0:1]:5000/repo", true),
        ("[0::1]/repo", true),
        ("ubuntu", false),
        ("docker.io/library/ubuntu", false),
        ("128.0.0.1:5000/repo", false),
        ("127.0.0.256/repo", false),
        ("127.0.0/repo", false),
        ("localhost.example.com/repo", false),
        ("localhost", false), // a single component is docker.io/library/localhost (normalize.go)
        ("[::2]:5000/repo", false),
        ("[fe80::1]:5000/repo", false),
        ("[::1:0]/repo", false),
    ])
    func loopback(input: String, expected: Bool) throws {
        #expect(try Reference(input).isLoopbackRegistry == expected)
    }

    @Test(arguments: [
        ("library/ubuntu", true),
        ("a", true),
        ("a__b/c-d.e", true),
        ("a---b", true),
        (String(repeating: "a", count: 255), true),
        (String(repeating: "a", count: 256), false),
        ("", false),
        ("a___b", false),
        ("a..b", false),
        ("Ubuntu", false),
        ("a//b", false),
        ("a/", false),
        ("/a", false),
        ("docker.io/library/ubuntu", true), // path grammar only: "docker.io" is a valid component
        ("localhost:5000/repo", false),
        ("-a", false),
    ])
    func validRepository(name: String, expected: Bool) {
        #expect(Reference.isValidRepository(name) == expected)
    }

    @Test(arguments: [
        ("latest", true),
        ("v1.0.0-rc.1", true),
        ("_", true),
        ("UPPER_case", true),
        (String(repeating: "t", count: 128), true),
        (String(repeating: "t", count: 129), false),
        ("", false),
        ("-x", false),
        (".x", false),
        ("a:b", false),
        ("a/b", false),
        ("a+b", false),
    ])
    func validTag(tag: String, expected: Bool) {
        #expect(Reference.isValidTag(tag) == expected)
    }
}
