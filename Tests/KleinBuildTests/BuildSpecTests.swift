import KleinConfig
import KleinOCI
import Testing
@testable import KleinBuild

@Suite struct BuildSpecTests {
    static let host = Platform(os: "linux", architecture: "amd64")
    static let commit = String(repeating: "ab", count: 20)
    static let sha = String(repeating: "0f", count: 32)

    static let full = """
    schema = 1
    id = "app"
    version = "1.2.3-rc.1+build.5"
    epoch = 1700000000
    compression = "zstd"

    [[artifact]]
    name = "main"
    source = { kind = "git", url = "https://example.com/app.git", commit = "\(commit)", path = "bin" }
    dest = "/usr/local/bin/"
    entrypoint = ["/usr/local/bin/app"]
    env = { B = "2", A = "1" }
    exposed_ports = ["8080", "53/udp"]
    labels = { team = "infra" }

    [[artifact]]
    name = "tool"
    dest = "/opt/tool"
    mode = "0755"
    owner = "1000:1000"
    [artifact.source]
    kind = "url"
    url = "https://example.com/tool"
    sha256 = "\(sha)"

    [[artifact]]
    name = "pkg"
    source = { kind = "deb", name = "busybox-static", version = "1:1.35.0-4", sha256 = "\(sha)" }
    """

    func problems(_ text: String, epoch: String? = nil) -> [ConfigProblem] {
        do {
            _ = try BuildSpec.parse(toml: text, file: "spec.toml", sourceDateEpoch: epoch, hostPlatform: Self.host)
            return []
        } catch {
            guard case let .invalidSpec(_, problems) = error else { return [ConfigProblem(keyPath: "?", line: nil, message: "\(error)")] }
            return problems
        }
    }

    @Test func readsEveryKindOfValue() throws {
        let spec = try BuildSpec.parse(toml: Self.full, file: "spec.toml", hostPlatform: Self.host)
        #expect(spec.id == "app" && spec.epoch == 1_700_000_000 && spec.compression == .zstd && spec.platform == Self.host)
        #expect(spec.artifacts.map(\.name) == ["main", "tool", "pkg"])
        #expect(spec.artifacts[0].source == .git(url: "https://example.com/app.git", commit: Self.commit, ref: nil, path: "bin"))
        #expect(spec.artifacts[0].settings.env == ["A=1", "B=2"])
        #expect(spec.artifacts[0].settings.exposedPorts == ["8080/tcp", "53/udp"])
        #expect(spec.artifacts[1].mode == 0o755 && spec.artifacts[1].owner == BuildSpec.Owner(uid: 1000, gid: 1000))
        #expect(spec.artifacts[2].dest == "/")
    }

    @Test func canonicalJSONReadsBackToTheSameSpec() throws {
        let spec = try BuildSpec.parse(toml: Self.full, file: "spec.toml", hostPlatform: Self.host)
        let again = try BuildSpec.parse(canonicalJSON: spec.canonicalJSON, image: "test")
        #expect(again == spec)
        #expect(again.canonicalJSON == spec.canonicalJSON)
    }

    @Test func sourceDateEpochOverridesTheSpec() throws {
        let spec = try BuildSpec.parse(toml: Self.full, file: "spec.toml", sourceDateEpoch: "42", hostPlatform: Self.host)
        #expect(spec.epoch == 42)
        #expect(problems(Self.full, epoch: "yesterday").map(\.keyPath) == ["SOURCE_DATE_EPOCH"])
    }

    @Test(arguments: [
        // (spec line to replace, replacement, key path, line, words in the message)
        ("commit = \"\(commit)\"", "ref = \"main\"", "artifact[0].source.commit", 9, "branch or tag"),
        ("commit = \"\(commit)\"", "commit = \"main\"", "artifact[0].source.commit", 9, "40-hex"),
        ("sha256 = \"\(sha)\"\n", "\n", "artifact[1].source.sha256", 21, "content can change"),
        ("compression = \"zstd\"", "compresion = \"zstd\"", "compresion", 5, "did you mean \"compression\""),
        ("epoch = 1700000000", "epoch = \"1700000000\"", "epoch", 4, "must be an integer"),
        ("mode = \"0755\"", "mode = \"rwx\"", "artifact[1].mode", 19, "octal"),
        ("dest = \"/opt/tool\"", "dest = \"opt/../tool\"", "artifact[1].dest", 18, "absolute"),
        ("version = \"1.2.3-rc.1+build.5\"", "version = \"1.2\"", "version", 3, "SemVer"),
        ("name = \"main\"", "name = \"app\"", "artifact", nil, "named \"main\""),
    ] as [(String, String, String, Int?, String)])
    func rejectsWithKeyPathAndLine(original: String, replacement: String, keyPath: String, line: Int?, words: String) throws {
        #expect(Self.full.contains(original))
        let found = problems(Self.full.replacingOccurrences(of: original, with: replacement))
        let problem = try #require(found.first { $0.keyPath == keyPath }, "\(found)")
        if let line { #expect(problem.line == line, "\(problem)") }
        #expect(problem.message.contains(words), "\(problem.message)")
    }

    @Test func rejectsABaseImageByTag() {
        let spec = "schema = 1\nid = \"a\"\nversion = \"1.0.0\"\nbase = \"docker.io/library/debian:12\"\n[[artifact]]\nname = \"main\"\nsource = { kind = \"local\", path = \"x\" }\ndest = \"/x\""
        let found = problems(spec)
        #expect(found.map(\.keyPath) == ["base"])
        #expect(found.first?.line == 4)
        #expect(found.first?.message.contains("pin it by digest") == true)
    }

    @Test func reportsEveryProblemAtOnce() {
        let spec = "schema = 2\nversion = \"x\"\n[[artifact]]\nname = \"main\"\nsource = { kind = \"svn\" }\nsecret = true"
        let keys = Set(problems(spec).map(\.keyPath))
        #expect(keys == ["schema", "id", "version", "artifact[0].source.kind", "artifact[0].dest", "artifact[0].secret"])
    }

    @Test func referenceOnlyAllowsUnpinnedSources() throws {
        let spec = """
        schema = 1
        id = "a"
        version = "1.0.0"
        [[artifact]]
        name = "main"
        reference_only = true
        dest = "/src"
        source = { kind = "git", url = "https://example.com/x.git", ref = "main" }
        """
        #expect(try BuildSpec.parse(toml: spec, file: "s", hostPlatform: Self.host).artifacts[0].referenceOnly)
    }

    @Test func syntaxErrorsNameTheLine() {
        let found = problems("schema = 1\nid = \n")
        #expect(found.count == 1 && found[0].line == 2)
    }

    @Test(arguments: ["1.0.0", "0.0.1-alpha.1", "10.20.30+meta", "1.0.0-x-y.7"])
    func acceptsSemVer(_ version: String) { #expect(SpecParser.isSemVer(version)) }

    @Test(arguments: ["1.0", "01.0.0", "1.0.0-01", "1.0.0+", "v1.0.0", "1.0.0-"])
    func rejectsNonSemVer(_ version: String) { #expect(!SpecParser.isSemVer(version)) }
}
