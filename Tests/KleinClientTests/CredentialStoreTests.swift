import Foundation
import KleinOCI
import Testing

@testable import KleinClient

#if canImport(Glibc)
import Glibc
#endif

/// A temporary directory standing in for `$HOME`, with helpers to write credential files and helper scripts.
private final class Sandbox {
    let root: String

    init() throws {
        root = (NSTemporaryDirectory() as NSString).appendingPathComponent("klein-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    var dockerConfig: String { "\(root)/.docker/config.json" }
    var helpers: String { "\(root)/bin" }
    var helperData: String { "\(root)/helper-data" }

    /// An environment with only what the tests set: no real user's credentials can leak in.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ["HOME": root, "PATH": "/usr/bin:/bin", "KLEIN_TEST_STORE": helperData].merging(extra) { $1 }
    }

    func store(_ extra: [String: String] = [:]) -> CredentialStore {
        CredentialStore(environment: environment(extra), helperSearchPath: helpers)
    }

    func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func json(_ path: String) throws -> [String: JSONValue] {
        try #require(JSONParser.parse(Array(Data(contentsOf: URL(fileURLWithPath: path)))).objectValue)
    }

    func mode(_ path: String) -> mode_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o7777 : 0
    }

    /// Installs `docker-credential-<name>` running `body` (a POSIX shell script).
    func helper(_ name: String, _ body: String) throws {
        let path = "\(helpers)/docker-credential-\(name)"
        try write("#!/bin/sh\n" + body, to: path)
        chmod(path, 0o755)
    }

    /// A working helper keeping one file per server URL in `$KLEIN_TEST_STORE`, and logging each call.
    func installTestHelper() throws {
        try FileManager.default.createDirectory(atPath: helperData, withIntermediateDirectories: true)
        try helper(
            "test",
            #"""
            input=$(cat)
            echo "$1 $input" >> "$KLEIN_TEST_STORE/log"
            key() { printf %s "$1" | tr '/:' '__'; }
            case "$1" in
            get)
                if [ -f "$KLEIN_TEST_STORE/$(key "$input")" ]; then cat "$KLEIN_TEST_STORE/$(key "$input")"
                else echo "credentials not found in native keychain"; exit 1; fi ;;
            store)
                url=$(printf %s "$input" | sed -n 's/.*"ServerURL":"\([^"]*\)".*/\1/p')
                printf %s "$input" > "$KLEIN_TEST_STORE/$(key "$url")" ;;
            erase)
                if [ -f "$KLEIN_TEST_STORE/$(key "$input")" ]; then rm "$KLEIN_TEST_STORE/$(key "$input")"
                else echo "credentials not found in native keychain"; exit 1; fi ;;
            *) echo "unknown verb"; exit 2 ;;
            esac
            """#)
    }
}

private func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

// MARK: - Lookup

@Test func readsDockerConfigUnderHome() throws {
    let sandbox = try Sandbox()
    try sandbox.write(#"{"auths":{"ghcr.io":{"auth":"\#(base64("user:pa:ss"))"}}}"#, to: sandbox.dockerConfig)
    let store = sandbox.store()
    #expect(try store.credential(for: "ghcr.io") == .basic(username: "user", password: "pa:ss"))
    #expect(try store.credential(for: "quay.io") == nil)
}

@Test func dockerConfigVariableWinsOverHome() throws {
    let sandbox = try Sandbox()
    try sandbox.write(#"{"auths":{"ghcr.io":{"auth":"\#(base64("home:1"))"}}}"#, to: sandbox.dockerConfig)
    try sandbox.write(#"{"auths":{"ghcr.io":{"auth":"\#(base64("custom:2"))"}}}"#, to: "\(sandbox.root)/cfg/config.json")
    let store = sandbox.store(["DOCKER_CONFIG": "\(sandbox.root)/cfg"])
    #expect(store.dockerConfigFile == "\(sandbox.root)/cfg/config.json")
    #expect(try store.credential(for: "ghcr.io") == .basic(username: "custom", password: "2"))
}

@Test func registryAuthFileComesFirstThenDockerConfig() throws {
    let sandbox = try Sandbox()
    let authFile = "\(sandbox.root)/auth.json"
    try sandbox.write(#"{"auths":{"ghcr.io":{"auth":"\#(base64("podman:1"))"}}}"#, to: authFile)
    try sandbox.write(
        #"{"auths":{"ghcr.io":{"auth":"\#(base64("docker:2"))"},"quay.io":{"auth":"\#(base64("docker:3"))"}}}"#,
        to: sandbox.dockerConfig)
    let store = sandbox.store(["REGISTRY_AUTH_FILE": authFile])
    #expect(try store.credential(for: "ghcr.io") == .basic(username: "podman", password: "1"))
    #expect(try store.credential(for: "quay.io") == .basic(username: "docker", password: "3"))
}

@Test func runtimeDirectoryAuthFileIsUsedOnlyWhenPresent() throws {
    let sandbox = try Sandbox()
    let runtime = "\(sandbox.root)/run"
    try sandbox.write(#"{"auths":{"ghcr.io":{"auth":"\#(base64("docker:2"))"}}}"#, to: sandbox.dockerConfig)
    try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
    #expect(sandbox.store(["XDG_RUNTIME_DIR": runtime]).containersAuthFile == nil)
    try sandbox.write(#"{"auths":{"ghcr.io":{"auth":"\#(base64("podman:1"))"}}}"#, to: "\(runtime)/containers/auth.json")
    let store = sandbox.store(["XDG_RUNTIME_DIR": runtime])
    #expect(store.containersAuthFile == "\(runtime)/containers/auth.json")
    #expect(try store.credential(for: "ghcr.io") == .basic(username: "podman", password: "1"))
}

@Test func missingFilesMeanNoCredential() throws {
    let sandbox = try Sandbox()
    #expect(try sandbox.store(["REGISTRY_AUTH_FILE": "\(sandbox.root)/absent.json"]).credential(for: "ghcr.io") == nil)
    #expect(try CredentialStore(environment: [:]).credential(for: "ghcr.io") == nil)
    #expect(CredentialStore(environment: [:]).files.isEmpty)
}

/// (key written in the file, registry asked for, whether they match)
@Test(arguments: [
    ("https://index.docker.io/v1/", "docker.io", true),
    ("index.docker.io", "docker.io", true),
    ("registry-1.docker.io", "index.docker.io", true),
    ("docker.io", "https://index.docker.io/v1/", true),
    ("http://localhost:5000/v2/", "localhost:5000", true),
    ("https://GHCR.io", "ghcr.io", true),
    ("quay.io", "https://quay.io/v2/", true),
    ("quay.io/some/namespace", "quay.io", true),
    ("localhost:5000", "localhost", false),
    ("example.com", "example.com:443", false),
    ("docker.io", "ghcr.io", false),
])
func authKeysAreNormalized(key: String, registry: String, matches: Bool) throws {
    let sandbox = try Sandbox()
    try sandbox.write(#"{"auths":{"\#(key)":{"auth":"\#(base64("u:p"))"}}}"#, to: sandbox.dockerConfig)
    let found = try sandbox.store().credential(for: registry)
    #expect(found == (matches ? .basic(username: "u", password: "p") : nil))
}

@Test func exactKeyWinsOverEquivalentOnes() throws {
    let sandbox = try Sandbox()
    try sandbox.write(
        #"{"auths":{"https://ghcr.io":{"auth":"\#(base64("a:1"))"},"ghcr.io":{"auth":"\#(base64("b:2"))"},"ghcr.io/org":{"auth":"\#(base64("c:3"))"}}}"#,
        to: sandbox.dockerConfig)
    #expect(try sandbox.store().credential(for: "ghcr.io") == .basic(username: "b", password: "2"))
}

@Test func entryFieldsOtherThanAuth() throws {
    let sandbox = try Sandbox()
    try sandbox.write(
        #"""
        {"auths": {
            "token.io": {"auth": "\#(base64("u:p"))", "identitytoken": "refresh-me"},
            "fields.io": {"username": "alice", "password": "secret"},
            "empty.io": {},
            "padless.io": {"auth": "\#(base64("ab:c").replacingOccurrences(of: "=", with: ""))"}
        }}
        """#, to: sandbox.dockerConfig)
    let store = sandbox.store()
    #expect(try store.credential(for: "token.io") == .identityToken("refresh-me"))
    #expect(try store.credential(for: "fields.io") == .basic(username: "alice", password: "secret"))
    #expect(try store.credential(for: "empty.io") == nil)
    #expect(try store.credential(for: "padless.io") == .basic(username: "ab", password: "c"))
}

@Test(arguments: [
    ("{", "not valid JSON"),
    ("[]", "not a JSON object"),
    (#"{"auths": []}"#, "\"auths\" is not an object"),
    (#"{"auths": {"ghcr.io": "x"}}"#, #"auths["ghcr.io"] is not an object"#),
    (#"{"auths": {"ghcr.io": {"auth": "%%%%"}}}"#, #"auths["ghcr.io"].auth is not valid base64"#),
    (#"{"auths": {"ghcr.io": {"auth": "\#(base64("s3cr3tnocolon"))"}}}"#, "no colon"),
    (#"{"auths": {"ghcr.io": {"identitytoken": 7}}}"#, "identitytoken is not a string"),
    (#"{"credsStore": 5}"#, "\"credsStore\" is not a string"),
    (#"{"credHelpers": {"ghcr.io": true}}"#, #"credHelpers["ghcr.io"] is not a string"#),
])
func malformedFilesAreNamedErrors(contents: String, reason: String) throws {
    let sandbox = try Sandbox()
    try sandbox.write(contents, to: sandbox.dockerConfig)
    let error = #expect(throws: ClientError.self) { try sandbox.store().credential(for: "ghcr.io") }
    guard case let .credentials(source, message) = error else {
        Issue.record("unexpected error \(String(describing: error))")
        return
    }
    #expect(source == sandbox.dockerConfig)
    #expect(message.contains(reason), "\(message)")
    let text = String(describing: error)
    #expect(!text.contains("s3cr3t") && !text.contains(base64("s3cr3tnocolon")))
}

@Test func credentialsNeverPrintTheirSecret() {
    let basic = RegistryCredential.basic(username: "alice", password: "hunter2")
    #expect(basic.basicAuthorizationHeader == "Basic YWxpY2U6aHVudGVyMg==")
    #expect(!"\(basic)".contains("hunter2") && !String(reflecting: basic).contains("hunter2"))
    #expect(RegistryCredential.identityToken("tok").basicAuthorizationHeader == nil)
    #expect(!"\(RegistryCredential.identityToken("s3cr3t"))".contains("s3cr3t"))
}

// MARK: - Credential helpers

@Test func helperRoundTripThroughCredsStore() throws {
    let sandbox = try Sandbox()
    try sandbox.installTestHelper()
    try sandbox.write(#"{"credsStore":"test","psFormat":"table"}"#, to: sandbox.dockerConfig)
    let store = sandbox.store()
    let before = try sandbox.read(sandbox.dockerConfig)

    #expect(try store.credential(for: "ghcr.io") == nil)
    #expect(try store.store(.basic(username: "bob", password: "pw"), for: "ghcr.io") == "docker-credential-test")
    #expect(try store.credential(for: "ghcr.io") == .basic(username: "bob", password: "pw"))
    #expect(try sandbox.read(sandbox.dockerConfig) == before)
    #expect(try store.erase(for: "ghcr.io"))
    #expect(try store.credential(for: "ghcr.io") == nil)
    #expect(try !store.erase(for: "ghcr.io"))

    let log = try sandbox.read("\(sandbox.helperData)/log")
    #expect(log.contains("get ghcr.io") && log.contains(#"store {"Secret":"pw","ServerURL":"ghcr.io","Username":"bob"}"#))
    #expect(log.contains("erase ghcr.io"))
}

@Test func credHelperForOneRegistryWithIdentityToken() throws {
    let sandbox = try Sandbox()
    try sandbox.installTestHelper()
    try sandbox.write(
        #"{"credHelpers":{"https://index.docker.io/v1/":"test"},"auths":{"docker.io":{"auth":"\#(base64("file:1"))"},"quay.io":{"auth":"\#(base64("file:2"))"}}}"#,
        to: sandbox.dockerConfig)
    let store = sandbox.store()
    #expect(try store.store(.identityToken("refresh"), for: "docker.io") == "docker-credential-test")
    #expect(try store.credential(for: "index.docker.io") == .identityToken("refresh"))
    #expect(try store.credential(for: "quay.io") == .basic(username: "file", password: "2"))
    let stored = try sandbox.read("\(sandbox.helperData)/https___index.docker.io_v1_")
    #expect(stored.contains(#""Username":"<token>""#))
}

@Test func missingHelperNamesTheExecutable() throws {
    let sandbox = try Sandbox()
    try sandbox.write(#"{"credsStore":"absent"}"#, to: sandbox.dockerConfig)
    let error = #expect(throws: ClientError.self) { try sandbox.store().credential(for: "ghcr.io") }
    guard case let .credentialHelper(name, reason) = error else {
        Issue.record("unexpected error \(String(describing: error))")
        return
    }
    #expect(name == "absent")
    #expect(reason.contains("docker-credential-absent"))
}

/// A helper that cannot be started is a system failure naming the program, not a message about it.
@Test func helperThatCannotStartIsASystemError() throws {
    let sandbox = try Sandbox()
    let path = "\(sandbox.helpers)/docker-credential-orphan"
    try sandbox.write("#!/nonexistent/interpreter\n", to: path)
    chmod(path, 0o755)
    try sandbox.write(#"{"credsStore":"orphan"}"#, to: sandbox.dockerConfig)
    let error = #expect(throws: ClientError.self) { try sandbox.store().credential(for: "ghcr.io") }
    guard case let .system(cause) = error else {
        Issue.record("unexpected error \(String(describing: error))")
        return
    }
    #expect(cause.operation == "start" && cause.path == path && cause.errno == ENOENT, "\(cause)")
}

@Test func helperNameCannotBeAPath() throws {
    let sandbox = try Sandbox()
    try sandbox.write(#"{"credsStore":"../../bin/sh"}"#, to: sandbox.dockerConfig)
    #expect(throws: ClientError.self) { try sandbox.store().credential(for: "ghcr.io") }
}

@Test(arguments: [
    ("echo 'boom: keychain locked'; exit 3", "boom: keychain locked"),
    ("echo 'not json'", "not JSON"),
    (#"echo '{"Username":"u"}'"#, "Secret"),
    ("echo oops >&2; kill -9 $$", "signal 9"),
])
func failingHelperIsAnError(script: String, reason: String) throws {
    let sandbox = try Sandbox()
    try sandbox.helper("broken", "cat > /dev/null\n" + script + "\n")
    try sandbox.write(#"{"credsStore":"broken"}"#, to: sandbox.dockerConfig)
    let error = #expect(throws: ClientError.self) { try sandbox.store().credential(for: "ghcr.io") }
    guard case let .credentialHelper(name, message) = error else {
        Issue.record("unexpected error \(String(describing: error))")
        return
    }
    #expect(name == "broken")
    #expect(message.contains(reason), "\(message)")
}

/// A helper over its time limit is killed together with the processes it started.
@Test func slowHelperIsKilled() throws {
    let sandbox = try Sandbox()
    try FileManager.default.createDirectory(atPath: sandbox.helperData, withIntermediateDirectories: true)
    try sandbox.helper("slow", "sleep 20 &\necho $! > \"$KLEIN_TEST_STORE/child\"\nwait\n")
    try sandbox.write(#"{"credsStore":"slow"}"#, to: sandbox.dockerConfig)
    var store = sandbox.store()
    store.helperTimeout = .seconds(3)  // time enough for a busy machine to start the helper and its child
    let started = ContinuousClock.now
    let error = #expect(throws: ClientError.self) { try store.credential(for: "ghcr.io") }
    #expect(ContinuousClock.now - started < .seconds(15))
    #expect("\(error.map { "\($0)" } ?? "")".contains("did not finish"))

    let child = try #require(Int32(sandbox.read("\(sandbox.helperData)/child").trimmingCharacters(in: .whitespacesAndNewlines)))
    func running() -> Bool {  // alive and not a zombie
        guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8) else { return false }
        return !(stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? false)
    }
    let deadline = ContinuousClock.now + .seconds(10)
    while running() && ContinuousClock.now < deadline { usleep(20_000) }
    #expect(!running(), "the helper's child \(child) outlived it")
}

// MARK: - Writing

@Test func loginKeepsOtherKeysAndWritesMode0600() throws {
    let sandbox = try Sandbox()
    let original = #"""
        {
            "auths": {"other.io": {"auth": "\#(base64("o:p"))", "email": "x@y"}},
            "psFormat": "table {{.ID}}",
            "proxies": {"default": {"httpProxy": "http://proxy:3128"}},
            "number": 1.50
        }
        """#
    try sandbox.write(original, to: sandbox.dockerConfig)
    chmod(sandbox.dockerConfig, 0o644)
    let store = sandbox.store()

    #expect(try store.store(.basic(username: "me", password: "pw"), for: "localhost:5000") == sandbox.dockerConfig)
    let before = try #require(JSONParser.parse(Array(original.utf8)).objectValue)
    var after = try sandbox.json(sandbox.dockerConfig)
    #expect(after["auths"]?.objectValue?["localhost:5000"] == .object(["auth": .string(base64("me:pw"))]))
    #expect(after["auths"]?.objectValue?["other.io"] == before["auths"]?.objectValue?["other.io"])
    after["auths"] = before["auths"]
    #expect(after == before)
    #expect(sandbox.mode(sandbox.dockerConfig) == 0o600)
    #expect(try store.credential(for: "localhost:5000") == .basic(username: "me", password: "pw"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: "\(sandbox.root)/.docker") == ["config.json"])
}

@Test func loginCreatesThePrivateDirectoryAndFile() throws {
    let sandbox = try Sandbox()
    let store = sandbox.store(["DOCKER_CONFIG": "\(sandbox.root)/new/dir"])
    #expect(try store.store(.identityToken("tok"), for: "https://index.docker.io/v1/") == "\(sandbox.root)/new/dir/config.json")
    #expect(sandbox.mode("\(sandbox.root)/new/dir") == 0o700)
    #expect(sandbox.mode("\(sandbox.root)/new/dir/config.json") == 0o600)
    let auths = try sandbox.json("\(sandbox.root)/new/dir/config.json")["auths"]?.objectValue
    #expect(auths == ["https://index.docker.io/v1/": .object(["identitytoken": .string("tok")])])
}

@Test func loginWithRegistryAuthFileUsesContainersKeys() throws {
    let sandbox = try Sandbox()
    let authFile = "\(sandbox.root)/containers/auth.json"
    let store = sandbox.store(["REGISTRY_AUTH_FILE": authFile])
    #expect(try store.store(.basic(username: "u", password: "p"), for: "index.docker.io") == authFile)
    #expect(try sandbox.json(authFile)["auths"]?.objectValue?.keys.sorted() == ["docker.io"])
    #expect(!FileManager.default.fileExists(atPath: sandbox.dockerConfig))
    #expect(try store.credential(for: "docker.io") == .basic(username: "u", password: "p"))
}

@Test func loginReplacesEquivalentKeys() throws {
    let sandbox = try Sandbox()
    try sandbox.write(
        #"{"auths":{"https://ghcr.io":{"auth":"\#(base64("old:1"))"},"ghcr.io/org":{"auth":"\#(base64("old:2"))"}}}"#,
        to: sandbox.dockerConfig)
    let store = sandbox.store()
    _ = try store.store(.basic(username: "new", password: "3"), for: "GHCR.io")
    #expect(try sandbox.json(sandbox.dockerConfig)["auths"]?.objectValue?.keys.sorted() == ["ghcr.io"])
    #expect(try store.credential(for: "ghcr.io") == .basic(username: "new", password: "3"))
}

@Test func loginFollowsASymbolicLink() throws {
    let sandbox = try Sandbox()
    let real = "\(sandbox.root)/dotfiles/config.json"
    try sandbox.write("{}", to: real)
    try FileManager.default.createDirectory(atPath: "\(sandbox.root)/.docker", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: sandbox.dockerConfig, withDestinationPath: real)
    _ = try sandbox.store().store(.basic(username: "u", password: "p"), for: "ghcr.io")
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: sandbox.dockerConfig) == real)
    #expect(try sandbox.json(real)["auths"]?.objectValue?.keys.sorted() == ["ghcr.io"])
}

@Test func loginRefusesAMalformedFileAndLeavesIt() throws {
    let sandbox = try Sandbox()
    try sandbox.write(#"{"auths": {"ghcr.io": {}}, "#, to: sandbox.dockerConfig)
    let error = #expect(throws: ClientError.self) {
        try sandbox.store().store(.basic(username: "u", password: "p"), for: "ghcr.io")
    }
    #expect("\(error.map { "\($0)" } ?? "")".contains(sandbox.dockerConfig))
    #expect(try sandbox.read(sandbox.dockerConfig) == #"{"auths": {"ghcr.io": {}}, "#)
}

@Test func logoutRemovesFromEveryFileAndKeepsTheRest() throws {
    let sandbox = try Sandbox()
    let runtime = "\(sandbox.root)/run"
    try sandbox.write(#"{"auths":{"ghcr.io":{"auth":"\#(base64("p:1"))"}}}"#, to: "\(runtime)/containers/auth.json")
    try sandbox.write(
        #"{"auths":{"https://ghcr.io/v1/":{"auth":"\#(base64("d:2"))"},"quay.io":{"auth":"\#(base64("q:3"))"}},"x":[1,2]}"#,
        to: sandbox.dockerConfig)
    let store = sandbox.store(["XDG_RUNTIME_DIR": runtime])

    #expect(try store.erase(for: "ghcr.io"))
    #expect(try store.credential(for: "ghcr.io") == nil)
    #expect(try store.credential(for: "quay.io") == .basic(username: "q", password: "3"))
    let docker = try sandbox.json(sandbox.dockerConfig)
    #expect(docker["x"] == .array([.number("1"), .number("2")]))
    #expect(docker["auths"]?.objectValue?.keys.sorted() == ["quay.io"])
    #expect(try !store.erase(for: "ghcr.io"))
    #expect(try !sandbox.store(["HOME": "\(sandbox.root)/nowhere"]).erase(for: "ghcr.io"))
}
