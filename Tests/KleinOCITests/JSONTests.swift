import Testing
@testable import KleinOCI

@Suite struct JSONTests {
    private func canonical(_ text: String) throws -> String {
        String(decoding: try JSONParser.parse(Array(text.utf8)).canonicalBytes, as: UTF8.self)
    }

    @Test(arguments: [
        (#"{"b":1,"a":2}"#, #"{"a":2,"b":1}"#),
        (" { \"z\" : [ 1 , 2.50 , -0.0, 1E+10 ] } ", #"{"z":[1,2.50,-0.0,1E+10]}"#),
        (#"{"url":"https:\/\/example.com/x"}"#, #"{"url":"https://example.com/x"}"#),
        (#"{"s":"\u00e9\u2028\ud83d\ude00"}"#, "{\"s\":\"é\u{2028}😀\"}"),
        (#"["\b\f\n\r\t\"\\\u0001"]"#, #"["\b\f\n\r\t\"\\\u0001"]"#),
        (#"{"B":1,"a":2,"_":3,"é":4}"#, #"{"B":1,"_":3,"a":2,"é":4}"#),
        ("[true,false,null,{}]", "[true,false,null,{}]"),
        (#""<html>&""#, #""<html>&""#),
    ])
    func serializesCanonically(_ input: String, _ expected: String) throws {
        #expect(try canonical(input) == expected)
        #expect(try canonical(expected) == expected)
    }

    @Test(arguments: [
        ("", "unexpected end"),
        ("{", "expected a string key"),
        (#"{"a":1,"a":2}"#, "duplicate key \"a\""),
        (#"{"a":1,}"#, "expected a string key"),
        ("[1,]", "unexpected character"),
        ("01", "unexpected data"),
        ("1.", "digit after"),
        ("-", "expected a digit"),
        ("1e", "exponent"),
        ("tru", "truncated literal"),
        ("nul!", "invalid literal"),
        ("\"abc", "unterminated string"),
        ("\"a\tb\"", "control character"),
        (#""\x""#, "invalid escape"),
        (#""\ud800""#, "surrogate"),
        (#""\udc00""#, "surrogate"),
        (#""\u12""#, "truncated"),
        ("{} {}", "unexpected data"),
        ("NaN", "unexpected character"),
    ])
    func rejectsMalformedJSON(_ input: String, _ reason: String) {
        #expect {
            try JSONParser.parse(Array(input.utf8))
        } throws: { error in
            guard case let .invalidJSON(_, message) = error as? OCIError else { return false }
            return message.contains(reason)
        }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: OCIError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: OCIError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func boundsNesting() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: OCIError.self) { try JSONParser.parse(Array(deep.utf8)) }
        let allowed = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        _ = try JSONParser.parse(Array(allowed.utf8))
    }

    @Test func reportsFieldPathsInDocumentErrors() {
        let text = #"{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:00","size":1},"layers":[]}"#
        #expect {
            try ImageManifest(jsonBytes: Array(text.utf8))
        } throws: { error in
            "\(error)".contains("config.digest") && "\(error)".contains("64 hex digits")
        }
        let layer = #"{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":0},"layers":[{"mediaType":"a/b","size":"1"}]}"#
        #expect {
            try ImageManifest(jsonBytes: Array(layer.utf8))
        } throws: { error in
            "\(error)".contains("layers[0].digest: required field is missing")
        }
    }
}
