import Testing

@testable import KleinClient

/// One `WWW-Authenticate` parsing case: header values in, challenges out.
struct ChallengeCase: Sendable, CustomTestStringConvertible {
    let name: String
    let headers: [String]
    let expected: [AuthChallenge]
    var testDescription: String { name }

    init(_ name: String, _ headers: [String], _ expected: [AuthChallenge]) {
        self.name = name
        self.headers = headers
        self.expected = expected
    }
}

private func challenge(_ scheme: String, _ parameters: [String: String] = [:]) -> AuthChallenge {
    AuthChallenge(scheme: scheme, parameters: parameters)
}

private let challengeCases: [ChallengeCase] = [
    ChallengeCase("basic", [#"Basic realm="Registry Realm""#], [challenge("basic", ["realm": "Registry Realm"])]),
    ChallengeCase(
        "docker hub bearer",
        [#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#],
        [challenge("bearer", [
            "realm": "https://auth.docker.io/token", "service": "registry.docker.io",
            "scope": "repository:library/alpine:pull",
        ])]),
    ChallengeCase(
        "comma inside a quoted scope",
        [#"Bearer realm="https://a/token",service="reg",scope="repository:a:pull,push""#],
        [challenge("bearer", ["realm": "https://a/token", "service": "reg", "scope": "repository:a:pull,push"])]),
    ChallengeCase(
        "two challenges in one header",
        [#"Basic realm="x", Bearer realm="https://a/token",service="reg",scope="repository:a:pull,push""#],
        [
            challenge("basic", ["realm": "x"]),
            challenge("bearer", ["realm": "https://a/token", "service": "reg", "scope": "repository:a:pull,push"]),
        ]),
    ChallengeCase(
        "several header lines", [#"Basic realm="a""#, #"Bearer realm="b""#],
        [challenge("basic", ["realm": "a"]), challenge("bearer", ["realm": "b"])]),
    ChallengeCase(
        "quoted-pair escapes", [#"Basic realm="say \"hi\" \\ there\q""#],
        [challenge("basic", ["realm": #"say "hi" \ thereq"#])]),
    ChallengeCase(
        "case-insensitive scheme and names", [#"BEARER Realm="r", SERVICE="S""#],
        [challenge("bearer", ["realm": "r", "service": "S"])]),
    ChallengeCase(
        "insufficient scope",
        [#"Bearer realm="r",error="insufficient_scope",scope="repository:a:push""#],
        [challenge("bearer", ["realm": "r", "error": "insufficient_scope", "scope": "repository:a:push"])]),
    ChallengeCase(
        "unquoted values", ["Bearer realm=https://a/token, service=reg"],
        [challenge("bearer", ["realm": "https://a/token", "service": "reg"])]),
    ChallengeCase(
        "whitespace around equals and commas", [#"Bearer realm = "r" ,  service= "s""#],
        [challenge("bearer", ["realm": "r", "service": "s"])]),
    ChallengeCase(
        "token68 ignored", [#"Negotiate dGVzdA==, Basic realm="x""#],
        [challenge("negotiate"), challenge("basic", ["realm": "x"])]),
    ChallengeCase("scheme alone", ["Basic"], [challenge("basic")]),
    ChallengeCase(
        "schemes without parameters", [#"Basic, Bearer realm="r""#],
        [challenge("basic"), challenge("bearer", ["realm": "r"])]),
    ChallengeCase("first duplicate wins", [#"Basic realm="one", realm="two""#], [challenge("basic", ["realm": "one"])]),
    ChallengeCase(
        "stray separators", [#" , ,Basic realm="x",,  "#], [challenge("basic", ["realm": "x"])]),
    ChallengeCase("unterminated quoted string", [#"Bearer realm="abc, service=s"#], [challenge("bearer", ["realm": "abc, service=s"])]),
    ChallengeCase(
        "misplaced quote", [#"Bearer realm="abc, service="s""#], [challenge("bearer", ["realm": "abc, service="])]),
    ChallengeCase("parameters without a scheme", [#"realm="x""#], []),
    ChallengeCase("empty input", ["", "   "], []),
    ChallengeCase("no headers", [], []),
    ChallengeCase("garbage", [#"=,,;"unterminated"#, "\u{0}\u{7f}", "\"\"\"", "=====", "\\"], []),
    ChallengeCase(
        "non-ASCII", ["Bearer realm=\"ü\", ☃ x"], [challenge("bearer", ["realm": "ü"])]),
]

@Test(arguments: challengeCases)
func parsesChallenges(_ testCase: ChallengeCase) {
    #expect(AuthChallenge.parse(testCase.headers) == testCase.expected)
}

@Test func challengeAccessors() throws {
    let parsed = AuthChallenge.parse([
        #"Bearer realm="https://a/token",service="reg",scope="repository:a:pull,push",error="insufficient_scope""#
    ])
    let bearer = try #require(parsed.first)
    #expect(bearer.realm == "https://a/token")
    #expect(bearer.service == "reg")
    #expect(bearer.scope == "repository:a:pull,push")
    #expect(bearer.error == "insufficient_scope")
    #expect(bearer.isInsufficientScope)

    let basic = try #require(AuthChallenge.parse([#"Basic realm="x",error="invalid_token""#]).first)
    #expect(basic.service == nil)
    #expect(basic.scope == nil)
    #expect(!basic.isInsufficientScope)
}

@Test func initializerLowercasesSchemeAndNames() {
    let made = AuthChallenge(scheme: "BeArEr", parameters: ["Realm": "R"])
    #expect(made.scheme == "bearer")
    #expect(made.parameters == ["realm": "R"])
}

/// Random header text never crashes the parser, and what it returns is well formed.
@Test func randomInputYieldsWellFormedChallenges() {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    let alphabet = Array(#"Bb aeR=",\,;  realm"x\"#.unicodeScalars) + ["\u{0}", "é", "\t"]
    for _ in 0..<2000 {
        var text = ""
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        for _ in 0..<Int(state >> 58) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            text.unicodeScalars.append(alphabet[Int(state >> 33) % alphabet.count])
        }
        for parsed in AuthChallenge.parse([text]) {
            #expect(!parsed.scheme.isEmpty && parsed.scheme == parsed.scheme.lowercased(), "\(text)")
            #expect(parsed.parameters.keys.allSatisfy { $0 == $0.lowercased() && !$0.isEmpty }, "\(text)")
        }
    }
}
