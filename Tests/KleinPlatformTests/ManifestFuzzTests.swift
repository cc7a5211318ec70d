import KleinConfig
import Testing
@testable import KleinPlatform

/// Hostile and damaged manifests: each must either validate (and then round-trip through its
/// canonical JSON and its explanation to the same hash) or be refused with
/// `PlatformError.invalidManifest` and a non-empty list of problems — never crash, never hang.
/// Random inputs come from a seeded `SplitMix64`, so a failure names the seed that reproduces it.
@Suite(.timeLimit(.minutes(10))) struct ManifestFuzzTests {
    /// Every key on a line of its own, one value per line (the wrong-type test replaces values line by line).
    static let base = """
        # klein.platform.toml
        schema = 1
        app = "shop-api"

        [process]
        entrypoint = ["/bin/server"]
        cmd = ["--port", "8080"]
        workdir = "/srv/app"
        user = "app:app"
        env = { LOG_LEVEL = "info", GREETING = "héllo ✓ 日本" }

        [[ports]]
        name = "web"
        port = 8080
        protocol = "http"
        exposure = "public"

        [[ports]]
        name = "dns"
        port = 53
        protocol = "udp"

        [resources]
        cpu = 0.5
        memory = "1024Mi"
        disk = "2Gi"
        pids = 512
        gpus = { count = 1, kind = "nvidia" }

        [[checks]]
        name = "live"
        kind = "http"
        port = "web"
        path = "/healthz"
        status = 204
        interval = "1m"
        timeout = "500ms"
        grace_period = "5s"
        failure_threshold = 3

        [[checks]]
        name = "ready"
        kind = "exec"
        command = ["/bin/true"]

        [rollout]
        strategy = "canary"
        replicas = 3
        max_unavailable = 0
        max_surge = "50%"
        min_healthy_time = "10s"
        auto_rollback = true

        [[volumes]]
        name = "data"
        path = "/var/lib/data"
        size = "10Gi"
        read_only = false

        [[secrets]]
        name = "tls"
        path = "/run/secrets/tls"
        mode = 0o440
        owner = "1000:1000"

        [network]
        default_exposure = "internal"
        internal_only = false

        """

    static let baseBytes = Array(base.utf8)

    enum Outcome {
        case valid(PlatformManifest)
        case invalid([ConfigProblem])
    }

    /// Validates `bytes` and checks the contract; `label` reproduces the input in a failure message.
    @discardableResult
    static func probe(_ bytes: [UInt8], _ label: @autoclosure () -> String, budget: Duration = .seconds(20),
                      sourceLocation: SourceLocation = #_sourceLocation) -> Outcome? {
        let clock = ContinuousClock()
        let start = clock.now
        let result: Result<PlatformManifest, PlatformError>
        do { result = .success(try PlatformManifest.validate(toml: bytes, file: "fuzz.toml")) } catch { result = .failure(error) }
        let elapsed = clock.now - start
        #expect(elapsed < budget, "\(label()): validation took \(elapsed)", sourceLocation: sourceLocation)
        switch result {
        case let .success(manifest):
            do {
                let fromJSON = try PlatformManifest.validate(canonicalJSON: manifest.canonicalJSON, file: "canonical.json")
                #expect(fromJSON.contentHash == manifest.contentHash, "\(label()): canonical JSON", sourceLocation: sourceLocation)
                let explained = try PlatformManifest.validate(toml: Array(manifest.explanation.utf8), file: "explained.toml")
                #expect(explained.contentHash == manifest.contentHash, "\(label()): explanation", sourceLocation: sourceLocation)
            } catch {
                Issue.record("\(label()): valid, but its canonical JSON or explanation is not: \(error)\n\(manifest.explanation)", sourceLocation: sourceLocation)
            }
            return .valid(manifest)
        case let .failure(.invalidManifest(file, problems)):
            #expect(file == "fuzz.toml", sourceLocation: sourceLocation)
            #expect(!problems.isEmpty, "\(label()): refused without a problem", sourceLocation: sourceLocation)
            let lines = bytes.count(where: { $0 == UInt8(ascii: "\n") }) + 1
            for problem in problems {
                #expect(!problem.message.isEmpty, "\(label()): \(problem)", sourceLocation: sourceLocation)
                if let line = problem.line {
                    #expect((1...lines).contains(line), "\(label()): \(problem) is beyond the last line \(lines)", sourceLocation: sourceLocation)
                }
            }
            return .invalid(problems)
        case let .failure(error):
            Issue.record("\(label()): not an invalidManifest error: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Whether toml++ 3.4.0 (inside TOMLKit) reaches its `parse_key` assertion on `bytes`: a table header
    /// whose first key character is neither a bare-key character nor a quote (`[`, `[ `, `[:x]`, `[[.a]]`).
    /// Debug builds abort on it (release builds assume it cannot happen); `TOMLLines.hazard` refuses such
    /// headers before toml++ sees them, which `tableHeaderWithoutAKeyDoesNotCrash` checks in child processes.
    static func reachesTOMLHeaderAssertion(_ bytes: [UInt8]) -> Bool {
        func isKeyStart(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "]")
        }
        let blank: Set<UInt8> = [UInt8(ascii: " "), UInt8(ascii: "\t")]
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (number, line) in lines.enumerated() {
            var rest = line.drop { blank.contains($0) || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF }
            guard rest.first == UInt8(ascii: "[") else { continue }
            rest = rest.dropFirst()
            let afterBracket = rest.count
            rest = rest.drop { blank.contains($0) }
            if rest.first == UInt8(ascii: "[") {
                if rest.count != afterBracket { continue }  // "[ [": a parse error, not the assertion
                rest = rest.dropFirst().drop { blank.contains($0) }
            }
            guard let first = rest.first else {
                if number < lines.count - 1 { return true }  // "[" then a line feed
                continue  // "[" then the end of the file: a parse error
            }
            if !isKeyStart(first) { return true }
        }
        return false
    }

    static func manifest(_ body: String) -> [UInt8] { Array("schema = 1\napp = \"a\"\n\(body)\n".utf8) }

    // MARK: - Damaged copies of a valid manifest

    @Test func baseIsValid() throws {
        let outcome = Self.probe(Self.baseBytes, "base")
        guard case let .valid(manifest)? = outcome else { Issue.record("the base manifest must be valid: \(String(describing: outcome))"); return }
        #expect(manifest.process.env["GREETING"] == "héllo ✓ 日本")
    }

    @Test func everyPrefixAndSuffix() {
        let bytes = Self.baseBytes
        var valid = 0
        for offset in 0...bytes.count {
            if case .valid? = Self.probe(Array(bytes[..<offset]), "the first \(offset) bytes") { valid += 1 }
            if offset % 5 == 0 { Self.probe(Array(bytes[offset...]), "from byte \(offset)") }
        }
        #expect(valid > 0)  // the cuts after the last key, at least
    }

    @Test func randomByteMutations() {
        var rng = SplitMix64(seed: 0x5EED_F00D)
        let interesting: [UInt8] = Array("[]{}=\"'#\n\r\t ,.0123456789-+_:%eE\\".utf8) + [0x00, 0x7F, 0x80, 0xBF, 0xC3, 0xE2, 0xEF, 0xF0, 0xFF]
        var outcomes = (valid: 0, invalid: 0, skipped: 0)
        for round in 0..<400 {
            var bytes = Self.baseBytes
            var steps: [String] = []
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let position = Int.random(in: 0..<bytes.count, using: &rng)
                let byte = Bool.random(using: &rng) ? interesting.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
                switch Int.random(in: 0..<6, using: &rng) {
                case 0:
                    let bit = UInt8(1) << UInt8.random(in: 0...7, using: &rng)
                    bytes[position] ^= bit
                    steps.append("flip \(bit) at \(position)")
                case 1:
                    bytes[position] = byte
                    steps.append("set \(byte) at \(position)")
                case 2:
                    bytes.insert(byte, at: position)
                    steps.append("insert \(byte) at \(position)")
                case 3:
                    let count = min(Int.random(in: 1...16, using: &rng), bytes.count - position)
                    bytes.removeSubrange(position..<position + count)
                    steps.append("delete \(count) at \(position)")
                case 4:
                    let count = min(Int.random(in: 1...64, using: &rng), bytes.count - position)
                    bytes.insert(contentsOf: bytes[position..<position + count], at: Int.random(in: 0...bytes.count, using: &rng))
                    steps.append("duplicate \(count) from \(position)")
                default:
                    var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                    let a = Int.random(in: 0..<lines.count, using: &rng), b = Int.random(in: 0..<lines.count, using: &rng)
                    lines.swapAt(a, b)
                    bytes = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
                    steps.append("swap lines \(a) and \(b)")
                }
                if bytes.isEmpty { bytes = [UInt8(ascii: "#")] }
            }
            let label = "round \(round): \(steps.joined(separator: ", "))"
            let first = Self.probe(bytes, label)
            switch first {
            case .valid?: outcomes.valid += 1
            case .invalid?: outcomes.invalid += 1
            case nil: outcomes.skipped += 1; continue
            }
            // Validation is a pure function of the bytes.
            guard round % 4 == 0 else { continue }
            switch (first, Self.probe(bytes, label)) {
            case let (.valid(first)?, .valid(second)?): #expect(first.contentHash == second.contentHash, "\(label)")
            case let (.invalid(first)?, .invalid(second)?): #expect(first == second, "\(label)")
            default: Issue.record("\(label): two validations disagree")
            }
        }
        #expect(outcomes.valid > 0 && outcomes.invalid > 0 && outcomes.skipped < 40, "\(outcomes)")
    }

    // MARK: - Values of the wrong type, and extreme numbers, at every key

    /// (line index, key path) of every `key = value` line of the base.
    static let assignments: [(line: Int, path: String)] = {
        var result: [(Int, String)] = []
        var prefix = ""
        var counts: [String: Int] = [:]
        for (index, line) in base.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("[[") {
                let name = String(line.dropFirst(2).dropLast(2))
                counts[name, default: -1] += 1
                prefix = "\(name)[\(counts[name]!)]."
            } else if line.hasPrefix("[") {
                prefix = String(line.dropFirst().dropLast()) + "."
            } else if let equals = line.firstIndex(of: "="), !line.hasPrefix("#") {
                result.append((index, prefix + line[..<equals].trimmingSpaces))
            }
        }
        return result
    }()

    static func replacing(line index: Int, with value: String) -> [UInt8] {
        var lines = base.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let key = lines[index].prefix { $0 != "=" }
        lines[index] = String(key) + "= " + value
        return Array(lines.joined(separator: "\n").utf8)
    }

    /// Values of types no key accepts at that place (`strict`: the problem must be at the key), and
    /// values of other scalar types (which may be valid for some keys).
    static let wrongTypes: [(value: String, strict: Bool)] = [
        (#""text""#, false), ("-7", false), ("1.5", false), ("true", false), ("[]", false), ("{}", false),
        (#"[1, "a"]"#, true), ("[[1], [2]]", true), ("{ a = 1 }", true), ("1979-05-27T07:32:00Z", true), ("07:32:00", true),
    ]

    @Test func wrongTypeAtEveryKey() {
        #expect(Self.assignments.count > 45)
        for (line, path) in Self.assignments {
            for (value, strict) in Self.wrongTypes {
                let label = "\(path) = \(value)"
                guard case let .invalid(problems)? = Self.probe(Self.replacing(line: line, with: value), label), strict else { continue }
                // The problem is reported at the key (or inside it), not only as a consequence elsewhere.
                #expect(problems.contains { $0.keyPath == path || $0.keyPath.hasPrefix(path + ".") || $0.keyPath.hasPrefix(path + "[") },
                        "\(label): \(problems.map(\.description))")
            }
        }
    }

    static let extremeNumbers = [
        "1e400", "99999999999999999999", "-99999999999999999999", "9223372036854775807", "-9223372036854775808",
        "0xFFFFFFFFFFFFFFFF", "0b" + String(repeating: "1", count: 64), "-0", "-0.0", "nan", "-nan", "inf", "-inf",
        "1e308", "5e-324", "1_000_000_000_000_000_000", "01", "1__0", ".5",
        #""99999999999999999999Ti""#, #""9223372036854775807m""#, #""2562047788015216h""#, #""99999999999999999999%""#,
        #""0.000000000001Ti""#, #""9223372036854775807B""#, #""8388608Ti""#, #""-1Gi""#, #""1.5.5Gi""#,
        #""99999999999999999999:0""#, #""17777""#,
    ]

    /// The keys whose values are numbers or quantities.
    static let numericKeys: Set<String> = [
        "schema", "port", "cpu", "memory", "disk", "pids", "status", "interval", "timeout", "grace_period", "failure_threshold",
        "replicas", "max_unavailable", "max_surge", "min_healthy_time", "size", "mode", "owner",
    ]

    @Test func extremeNumbersAtEveryNumericKey() {
        let numeric = Self.assignments.filter { Self.numericKeys.contains(String($0.path.split(separator: ".").last ?? "")) }
        #expect(numeric.count == 20)
        for (line, path) in numeric {
            for value in Self.extremeNumbers {
                Self.probe(Self.replacing(line: line, with: value), "\(path) = \(value)")
            }
        }
    }

    // MARK: - Deep, long and large inputs

    static func nest(_ open: String, _ inner: String, _ close: String, _ depth: Int) -> String {
        String(repeating: open, count: depth) + inner + String(repeating: close, count: depth)
    }

    static func dotted(_ component: String, _ count: Int) -> String {
        Array(repeating: component, count: count).joined(separator: ".")
    }

    static let deepInputs: [(String, String)] = [
        ("arrays", "process.cmd = " + nest("[", "", "]", 10_000)),
        ("inline tables", "process.env = " + nest("{ a = ", "\"x\"", " }", 10_000)),
        ("arrays of inline tables", "ports = " + nest("[{ a = ", "1", " }]", 5_000)),
        ("unclosed arrays", "x = " + nest("[", "", "", 10_000)),
        ("arrays under the parser's limit", "process.cmd = " + nest("[", "\"x\"", "]", 250)),
        ("inline tables under the parser's limit", "process.env = " + nest("{ a = ", "\"x\"", " }", 250)),
        ("arrays under the parser's limit in env values", "[process.env]\nA = " + nest("[", "", "]", 250)),
        ("dotted keys, 500 levels", dotted("k", 500) + " = 1"),
        ("a table header, 500 levels", "[" + dotted("k", 500) + "]"),
        ("dotted keys under a known table, 500 levels", "resources." + dotted("gpus", 500) + " = 1"),
    ]

    @Test(arguments: deepInputs)
    func deepNesting(name: String, body: String) {
        Self.probe(Self.manifest(body), name)
    }

    /// toml++ bounds the nesting of values (256) but not of keys, and 10,000 dotted components overflow
    /// the stack; `TOMLLines.hazard` refuses keys of more than 32 parts first. Run in a child process so a
    /// regression is reported, not fatal to the test run.
    @Test func tenThousandDottedKeysDoNotCrash() async {
        await #expect(processExitsWith: .success) {
            let key = Array(repeating: "k", count: 10_000).joined(separator: ".")
            _ = try? PlatformManifest.validate(toml: Array("schema = 1\napp = \"a\"\n\(key) = 1\n".utf8), file: "deep.toml")
        }
    }

    @Test(arguments: ["[\n", "[:x]\n", "[[ .ports]]\n", "[\r\n", "[#]\n"])
    func tableHeaderWithoutAKeyDoesNotCrash(header: String) async {
        await #expect(processExitsWith: .success) { [header] in
            _ = try? PlatformManifest.validate(toml: Array("schema = 1\napp = \"a\"\n[network]\n".utf8) + Array(header.utf8), file: "header.toml")
        }
        #expect(Self.reachesTOMLHeaderAssertion(Array(header.utf8)))
    }

    @Test func tenThousandLevelTableHeaderDoesNotCrash() async {
        await #expect(processExitsWith: .success) {
            let key = Array(repeating: "k", count: 10_000).joined(separator: ".")
            _ = try? PlatformManifest.validate(toml: Array("schema = 1\napp = \"a\"\n[\(key)]\n".utf8), file: "deep.toml")
        }
    }

    static func repeated(_ count: Int, _ line: (Int) -> String) -> String {
        (0..<count).map(line).joined(separator: "\n")
    }

    static let longInputs: [(String, String)] = [
        ("a 20,000-character unknown key", String(repeating: "k", count: 20_000) + " = 1"),
        ("a 9,000-character quoted key", "\"" + String(repeating: "é\\\"", count: 3_000) + "\" = 1"),
        ("a 20,000-character key that ends like a known one", "[process]\n" + String(repeating: "w", count: 20_000) + "orkdir = \"/\""),
        ("a 100,000-character unknown string", "app2 = \"" + String(repeating: "a", count: 100_000) + "\""),
        ("a 100,000-character env value", "[process.env]\nBIG = \"" + String(repeating: "x", count: 100_000) + "\""),
        ("a 50,000-character env name", "[process.env]\n" + String(repeating: "N", count: 50_000) + " = \"x\""),
        ("a 20,000-element cmd", "[process]\ncmd = [" + String(repeating: "\"a\",", count: 20_000) + "]"),
        ("2,000 env entries", "[process.env]\n" + repeated(2_000) { "V\($0) = \"\($0)\"" }),
        ("1,000 ports", repeated(1_000) { "[[ports]]\nname = \"p\($0)\"\nport = \($0 + 1)" }),
        ("200 duplicate ports and checks", repeated(200) { "[[ports]]\nname = \"p\"\nport = 1\n[[checks]]\nname = \"c\"\nkind = \"tcp\"\nport = \"q\($0)\"" }),
        ("300 unknown keys", repeated(300) { "unknown\($0) = \($0)" }),
        ("a 100,000-character path", "[process]\nworkdir = \"" + String(repeating: "/a", count: 50_000) + "\""),
        ("a 30,000-character duration", "[rollout]\nmin_healthy_time = \"" + String(repeating: "1ms", count: 10_000) + "\""),
        ("a 50,000-digit size", "[resources]\nmemory = \"" + String(repeating: "9", count: 50_000) + "Mi\""),
    ]

    @Test(arguments: longInputs)
    func longAndLarge(name: String, body: String) {
        Self.probe(Self.manifest(body), name)
    }

    @Test func justOverOneMebibyteIsRefusedBeforeParsing() throws {
        let limit = PlatformManifest.maximumSize
        #expect(limit == 1 << 20)
        var padded = Self.baseBytes + Array("#".utf8)
        padded += Array(repeating: UInt8(ascii: "x"), count: limit - padded.count)
        #expect(padded.count == limit)
        guard case let .valid(atLimit)? = Self.probe(padded, "exactly 1 MiB", budget: .seconds(60)) else {
            Issue.record("a valid manifest of exactly 1 MiB must be accepted")
            return
        }
        let base = try PlatformManifest.validate(toml: Self.baseBytes, file: "base")
        #expect(atLimit.contentHash == base.contentHash)

        let over = padded + [UInt8(ascii: "x")]
        guard case let .invalid(problems)? = Self.probe(over, "1 MiB + 1", budget: .seconds(5)) else {
            Issue.record("a manifest over 1 MiB must be refused")
            return
        }
        #expect(problems.map(\.description) == ["(top level): the file is 1048577 bytes; a platform manifest is at most 1048576"])
        // Garbage is refused for its size, not parsed.
        let garbage = [UInt8](repeating: 0xFF, count: limit + 1)
        guard case let .invalid(refused)? = Self.probe(garbage, "1 MiB + 1 of 0xFF", budget: .seconds(5)) else { return }
        #expect(refused.map(\.message) == ["the file is 1048577 bytes; a platform manifest is at most 1048576"])
    }

    // MARK: - Encodings and control characters

    @Test(arguments: [
        ("a lone continuation byte", [0x80]),
        ("0xFF", [0xFF]),
        ("a truncated two-byte sequence", [0xC3]),
        ("an overlong slash", [0xC0, 0xAF]),
        ("a UTF-16 surrogate", [0xED, 0xA0, 0x80]),
        ("beyond U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
        ("a truncated three-byte sequence", [0xE2, 0x82]),
    ] as [(String, [UInt8])])
    func invalidUTF8(name: String, sequence: [UInt8]) {
        // In a comment, a string and a key, and at the very end; the offset is where the sequence starts.
        let placements: [(place: String, before: String, after: String)] = [
            ("comment", "schema = 1\n# é ", "\napp = \"a\"\n"),
            ("string", "schema = 1\napp = \"é", "\"\n"),
            ("key", "schema = 1\napé", " = \"a\"\n"),
            ("end", "schema = 1\napp = \"é\"", ""),
        ]
        for (place, before, after) in placements {
            let bytes = Array(before.utf8) + sequence + Array(after.utf8)
            guard case let .invalid(problems)? = Self.probe(bytes, "\(name) in a \(place)") else {
                Issue.record("\(name) in a \(place) must be refused")
                continue
            }
            #expect(problems.map(\.description) == ["(top level): the file is not UTF-8 text (invalid byte at offset \(before.utf8.count))"],
                    "\(name) in a \(place)")
        }
    }

    @Test func nulBytesAndControlCharacters() {
        let cases: [(String, [UInt8])] = [
            ("a NUL at the start", [0] + Self.baseBytes),
            ("a NUL at the end", Self.baseBytes + [0]),
            ("a NUL in a comment", Array("schema = 1\n# a\u{0}b\napp = \"a\"\n".utf8)),
            ("a NUL in a string", Array("schema = 1\napp = \"a\u{0}b\"\n".utf8)),
            ("a NUL in a key", Array("schema = 1\nap\u{0}p = \"a\"\n".utf8)),
            ("only NULs", [UInt8](repeating: 0, count: 1000)),
            ("a bell in a string", Array("schema = 1\napp = \"a\u{7}\"\n".utf8)),
            ("DEL in a string", Array("schema = 1\napp = \"a\u{7F}\"\n".utf8)),
            ("escaped control characters", Array(#"schema = 1\#napp = "a"\#n[process]\#ncmd = ["\u0001\u001F\u007F\b\f\r\e"]\#n"#.utf8)),
            ("a lone CR line ending", Array("schema = 1\rapp = \"a\"\r".utf8)),
            ("form feed and vertical tab", Array("schema = 1\u{0C}\napp = \"a\"\u{0B}\n".utf8)),
            ("U+2028 line separator", Array("schema = 1\u{2028}app = \"a\"\n".utf8)),
            ("a BOM in the middle", Array("schema = 1\n\u{FEFF}app = \"a\"\n".utf8)),
            ("two BOMs", Array("\u{FEFF}\u{FEFF}schema = 1\napp = \"a\"\n".utf8)),
            ("a UTF-16 BOM", [0xFF, 0xFE] + Array("schema = 1\napp = \"a\"\n".utf8)),
            ("UTF-16LE text", Array("schema = 1\napp = \"a\"\n".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }),
        ]
        for (name, bytes) in cases {
            Self.probe(bytes, name)
        }
    }

    @Test func bomAndLineEndingsDoNotChangeTheHash() throws {
        let base = try PlatformManifest.validate(toml: Self.baseBytes, file: "base")
        let crlf = Array(Self.base.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n").utf8)
        let lines = Self.base.split(separator: "\n", omittingEmptySubsequences: false)
        let mixed = Array(lines.enumerated().map { $0.offset % 2 == 0 && $0.offset < lines.count - 1 ? $0.element + "\r" : $0.element }
            .joined(separator: "\n").utf8)
        for (name, bytes) in [("BOM", [0xEF, 0xBB, 0xBF] + Self.baseBytes), ("CRLF", crlf), ("BOM and CRLF", [0xEF, 0xBB, 0xBF] + crlf), ("mixed", mixed)] {
            guard case let .valid(manifest)? = Self.probe(bytes, name) else {
                Issue.record("\(name): the base manifest must stay valid")
                continue
            }
            #expect(manifest.contentHash == base.contentHash, "\(name)")
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String { String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
}
