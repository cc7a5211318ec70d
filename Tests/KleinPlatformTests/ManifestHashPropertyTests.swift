import KleinConfig
import KleinOCI
import Testing
@testable import KleinPlatform

/// SplitMix64: a tiny seeded generator, so every generated manifest can be reproduced from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Property tests of the content hash: every spelling of the same effective manifest hashes the same
/// (key and table order, comments, blank lines, whitespace, quoting, explicit defaults, equivalent
/// units and number syntaxes, inline tables or sections, CRLF, a BOM), and any single change of a
/// value hashes differently. The canonical JSON and the explanation of every variant validate back to
/// the same hash.
@Suite(.timeLimit(.minutes(10))) struct ManifestHashPropertyTests {
    // MARK: - A manifest model that can be written many ways

    /// One `key = value`: equivalent spellings (the first is the base) and spellings of other values.
    struct Leaf: Sendable {
        let key: String
        let spellings: [String]
        var changes: [String] = []
        /// Leaving the key out changes the effective manifest (an optional key, or a non-default value).
        var removable = false

        init(_ key: String, _ spellings: [String], changes: [String] = [], removable: Bool = false) {
            self.key = key
            self.spellings = spellings
            self.changes = changes
            self.removable = removable
        }
    }

    /// A table (or one element of an array of tables): its keys, and absent keys written with their default.
    struct Table: Sendable {
        let name: String
        var leaves: [Leaf]
        var defaults: [Leaf] = []
    }

    struct ArrayOfTables: Sendable {
        let name: String
        var elements: [Table]
    }

    struct Model: Sendable, CustomTestStringConvertible {
        let name: String
        var root: [Leaf]
        var tables: [Table]
        var arrays: [ArrayOfTables]
        var testDescription: String { name }

        /// Every (key path, leaf) that a change can target, with `isDefault` for keys absent from the base.
        var leafPaths: [(path: String, leaf: Leaf, isDefault: Bool)] {
            var result = root.map { ($0.key, $0, false) }
            for table in tables {
                result += table.leaves.map { ("\(table.name).\($0.key)", $0, false) }
                result += table.defaults.map { ("\(table.name).\($0.key)", $0, true) }
            }
            for array in arrays {
                for (index, element) in array.elements.enumerated() {
                    result += element.leaves.map { ("\(array.name)[\(index)].\($0.key)", $0, false) }
                    result += element.defaults.map { ("\(array.name)[\(index)].\($0.key)", $0, true) }
                }
            }
            return result
        }
    }

    /// One leaf written differently (`spelling`), or left out (`nil`).
    struct Change {
        let path: String
        let spelling: String?
    }

    // MARK: - Rendering

    /// Writes a model as TOML. Without randomness it is the plain base text; with it, every choice
    /// that must not change the effective manifest is drawn from the generator.
    struct Renderer {
        var rng: SplitMix64
        let randomize: Bool

        mutating func chance(_ probability: Double) -> Bool { randomize && Double.random(in: 0..<1, using: &rng) < probability }
        mutating func pick(_ choices: [String]) -> String { randomize ? choices.randomElement(using: &rng)! : choices[0] }
        mutating func order<T>(_ items: [T]) -> [T] { randomize ? items.shuffled(using: &rng) : items }

        mutating func key(_ key: String) -> String { chance(0.15) ? pick(["\"\(key)\"", "'\(key)'"]) : key }
        mutating func assign(_ key: String, _ value: String) -> String { self.key(key) + pick([" = ", "=", "  =  ", "\t=\t", " =\t"]) + value }
        mutating func header(_ name: String, array: Bool) -> String {
            let (open, close) = array ? ("[[", "]]") : ("[", "]")
            return open + (chance(0.2) ? " \(key(name)) " : key(name)) + close
        }

        /// A logical line with optional blank and comment lines before it, indentation and a trailing comment.
        mutating func decorate(_ line: String) -> [String] {
            var out: [String] = []
            if chance(0.15) { out.append(pick(["", "   ", "\t"])) }
            if chance(0.12) { out.append(pick(["# a comment", "#", "  # memory = \"1Ti\"", "#[[ports]]", "\t# ünïcödé ✓"])) }
            let indent = chance(0.2) ? pick(["  ", "\t", "    "]) : ""
            let trailing = chance(0.12) ? pick([" # trailing", "\t#x", " #= 1", "# [network]"]) : ""
            out.append(indent + line + trailing)
            return out
        }

        /// The key-value pairs of a table: its leaves (one spelling each, or the change), some defaults written out.
        mutating func pairs(_ table: Table, path: String, change: Change?) -> [(String, String)] {
            var result: [(String, String)] = []
            for leaf in table.leaves {
                if let change, change.path == "\(path).\(leaf.key)" {
                    if let spelling = change.spelling { result.append((leaf.key, spelling)) }
                } else {
                    result.append((leaf.key, pick(leaf.spellings)))
                }
            }
            for leaf in table.defaults {
                if let change, change.path == "\(path).\(leaf.key)", let spelling = change.spelling {
                    result.append((leaf.key, spelling))
                } else if chance(0.5) {
                    result.append((leaf.key, pick(leaf.spellings)))
                }
            }
            return order(result)
        }

        mutating func inline(_ pairs: [(String, String)]) -> String {
            pairs.isEmpty ? pick(["{}", "{ }"]) : "{ " + pairs.map { assign($0.0, $0.1) }.joined(separator: pick([", ", ",", " ,  "])) + " }"
        }

        mutating func render(_ model: Model, change: Change? = nil) -> String {
            var rootLines: [String] = []
            var queues: [[[String]]] = []  // section blocks; the blocks of one array keep their order
            for leaf in model.root {
                if let change, change.path == leaf.key {
                    if let spelling = change.spelling { rootLines.append(assign(leaf.key, spelling)) }
                } else {
                    rootLines.append(assign(leaf.key, pick(leaf.spellings)))
                }
            }
            for table in model.tables {
                let pairs = pairs(table, path: table.name, change: change)
                if pairs.isEmpty && !chance(0.5) { continue }
                switch randomize ? Int.random(in: 0..<3, using: &rng) : 0 {
                case 1:
                    rootLines.append(assign(table.name, inline(pairs)))
                case 2 where !pairs.isEmpty:
                    for (key, value) in pairs { rootLines.append(self.key(table.name) + "." + assign(key, value)) }
                default:
                    queues.append([[header(table.name, array: false)] + pairs.map { assign($0.0, $0.1) }])
                }
            }
            for array in model.arrays {
                let elements = array.elements.enumerated().map { index, element in pairs(element, path: "\(array.name)[\(index)]", change: change) }
                if elements.isEmpty {
                    if chance(0.5) { rootLines.append(assign(array.name, pick(["[]", "[ ]", "[\n]"]))) }
                } else if chance(0.3) {
                    let items = elements.map { inline($0) }
                    let multiLine = chance(0.5)
                    rootLines.append(assign(array.name, multiLine
                        ? "[\n" + items.map { "  \($0),\n" }.joined() + "]"
                        : "[" + items.joined(separator: ", ") + (chance(0.5) ? ",]" : "]")))
                } else {
                    queues.append(elements.map { [header(array.name, array: true)] + $0.map { assign($0.0, $0.1) } })
                }
            }
            var lines: [String] = []
            for line in order(rootLines) { lines += decorate(line) }
            // A random interleaving of the section queues.
            while !queues.isEmpty {
                let index = randomize ? Int.random(in: 0..<queues.count, using: &rng) : 0
                let block = queues[index].removeFirst()
                if queues[index].isEmpty { queues.remove(at: index) }
                for line in block { lines += decorate(line) }
            }
            var text = lines.joined(separator: "\n") + (chance(0.8) ? "\n" : "")
            if chance(0.1) { text = text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n") }
            if chance(0.05) { text = "\u{FEFF}" + text }
            return text
        }
    }

    static func render(_ model: Model, seed: UInt64? = nil, change: Change? = nil) -> String {
        var renderer = Renderer(rng: SplitMix64(seed: seed ?? 0), randomize: seed != nil)
        return renderer.render(model, change: change)
    }

    static func validate(_ text: String) -> Result<PlatformManifest, PlatformError> {
        do { return .success(try PlatformManifest.validate(toml: Array(text.utf8), file: "variant.toml")) } catch { return .failure(error) }
    }

    // MARK: - The models

    static let shop = Model(
        name: "shop: every table, two of each array",
        root: [
            Leaf("schema", ["1", "+1", "0x1", "0o1", "0b1"]),
            Leaf("app", [#""shop-api""#, "'shop-api'", #""""shop-api""""#, #""shop\u002Dapi""#, "'''shop-api'''"], changes: [#""shop-apj""#]),
        ],
        tables: [
            Table(name: "process", leaves: [
                Leaf("entrypoint", [#"["/bin/server"]"#, "['/bin/server']", #"[ "/bin/server", ]"#],
                     changes: [#"["/bin/server2"]"#, #"["/bin/server", "x"]"#], removable: true),
                Leaf("cmd", [#"["--port", "8080"]"#, #"["--port","8080",]"#, #"[ '--port', """8080""" ]"#], changes: [#"["8080", "--port"]"#], removable: true),
                Leaf("workdir", [#""/srv/app""#, "'/srv/app'"], changes: [#""/srv""#], removable: true),
                Leaf("user", [#""app:app""#], changes: [#""app""#, #""app:staff""#], removable: true),
                Leaf("env", [#"{ LOG_LEVEL = "info", MODE = "prod" }"#, #"{ MODE = "prod", LOG_LEVEL = "info" }"#, "{LOG_LEVEL='info',MODE='prod'}"],
                     changes: [#"{ LOG_LEVEL = "debug", MODE = "prod" }"#, #"{ LOG_LEVEL = "info" }"#, #"{ LOG_LEVEL = "info", MODE = "prod", X = "" }"#], removable: true),
            ]),
            Table(name: "resources", leaves: [
                Leaf("cpu", ["0.5", #""500m""#, #""0.5""#, "5e-1", "0.50", #""0.500""#, "+0.5", "50e-2"], changes: [#""501m""#, "2", #""0.499""#], removable: true),  // removed, it is 1000m
                Leaf("memory", [#""1Gi""#, #""1024Mi""#, "1073741824", #""1048576Ki""#, #""1073741824B""#, #""1.0Gi""#, "1_073_741_824"],
                     changes: [#""1G""#, #""1025Mi""#, "1073741825"], removable: true),
                Leaf("disk", [#""2Gi""#, #""2048Mi""#, #""2.0Gi""#, "2147483648"], changes: [#""2G""#], removable: true),
                Leaf("pids", ["512", "0x200", "5_12", "0o1000", "0b1000000000"], changes: ["513"], removable: true),
                Leaf("gpus", [#"{ count = 1, kind = "nvidia" }"#, #"{ kind = "nvidia", count = 1 }"#, "{count=0x1,kind='nvidia'}"],
                     changes: [#"{ count = 2, kind = "nvidia" }"#, #"{ count = 1, kind = "amd" }"#], removable: true),
            ]),
            Table(name: "rollout", leaves: [
                Leaf("strategy", [#""canary""#], changes: [#""immediate""#, #""bluegreen""#], removable: true),  // removed, it is rolling
                Leaf("replicas", ["3", "0x3", "+3"], changes: ["4"], removable: false),
                Leaf("max_unavailable", ["0"], changes: ["1", #""1%""#], removable: true),
                Leaf("max_surge", [#""50%""#, #""050%""#], changes: [#""51%""#, "1"], removable: true),
            ], defaults: [
                Leaf("min_healthy_time", [#""10s""#, #""10000ms""#, #""0h10s""#], changes: [#""11s""#]),
                Leaf("auto_rollback", ["true"], changes: ["false"]),
            ]),
            Table(name: "network", leaves: [
                Leaf("default_exposure", [#""internal""#], changes: [#""public""#]),
            ], defaults: [
                Leaf("internal_only", ["false"]),
            ]),
        ],
        arrays: [
            ArrayOfTables(name: "ports", elements: [
                Table(name: "web", leaves: [
                    Leaf("name", [#""web""#]),
                    Leaf("port", ["8080", "0x1F90", "8_080", "+8080", "0o17620"], changes: ["8081"]),
                    Leaf("protocol", [#""http""#], changes: [#""https""#, #""grpc""#], removable: true),
                    Leaf("exposure", [#""public""#], removable: true),  // removed, it inherits "internal"
                ]),
                Table(name: "dns", leaves: [
                    Leaf("name", [#""dns""#], changes: [#""dns2""#]),
                    Leaf("port", ["53"], changes: ["5353"]),
                    Leaf("protocol", [#""udp""#], removable: true),  // removed, it is tcp
                ], defaults: [
                    Leaf("exposure", [#""internal""#], changes: [#""public""#]),
                ]),
            ]),
            ArrayOfTables(name: "checks", elements: [
                Table(name: "live", leaves: [
                    Leaf("name", [#""live""#], changes: [#""alive""#]),
                    Leaf("kind", [#""http""#], changes: []),
                    Leaf("port", [#""web""#]),
                    Leaf("path", [#""/healthz""#], changes: [#""/healthz/""#], removable: true),
                    Leaf("status", ["204", "0xCC"], changes: ["201"], removable: true),  // removed, it is 200
                    Leaf("interval", [#""1m""#, #""60s""#, #""60000ms""#, #""0h1m""#, #""1m0s""#], changes: [#""61s""#], removable: true),
                    Leaf("timeout", [#""500ms""#, #""0s500ms""#], changes: [#""501ms""#], removable: true),
                ], defaults: [
                    Leaf("grace_period", [#""0s""#, #""0ms""#, #""0h""#], changes: [#""1s""#]),
                    Leaf("failure_threshold", ["3"], changes: ["4"]),
                ]),
                Table(name: "ready", leaves: [
                    Leaf("name", [#""ready""#]),
                    Leaf("kind", [#""exec""#]),
                    Leaf("command", [#"["/bin/true"]"#], changes: [#"["/bin/false"]"#, #"["/bin/true", ""]"#]),
                ], defaults: [
                    Leaf("interval", [#""10s""#, #""10000ms""#], changes: [#""11s""#]),
                    Leaf("timeout", [#""2s""#, #""2000ms""#], changes: [#""3s""#]),
                    Leaf("grace_period", [#""0s""#]),
                    Leaf("failure_threshold", ["3", "0x3"], changes: ["1"]),
                ]),
            ]),
            ArrayOfTables(name: "volumes", elements: [
                Table(name: "data", leaves: [
                    Leaf("name", [#""data""#], changes: [#""data2""#]),
                    Leaf("path", [#""/var/lib/data""#], changes: [#""/var/lib/data2""#]),
                    Leaf("size", [#""10Gi""#, #""10240Mi""#, "10737418240"], changes: [#""10G""#], removable: true),
                ], defaults: [
                    Leaf("read_only", ["false"], changes: ["true"]),
                ]),
            ]),
            ArrayOfTables(name: "secrets", elements: [
                Table(name: "tls", leaves: [
                    Leaf("name", [#""tls""#], changes: [#""tls2""#]),
                    Leaf("path", [#""/run/secrets/tls""#], changes: [#""/run/secrets/tls2""#]),
                    Leaf("mode", ["0o440", #""0440""#, #""440""#, #""00440""#], changes: ["0o640", #""0444""#], removable: true),
                    Leaf("owner", [#""1000:1000""#, #""01000:1000""#], changes: [#""1000:1001""#, #""0:1000""#], removable: true),
                ]),
            ]),
        ])

    static let small = Model(
        name: "small: one port and one check, everything else defaulted",
        root: [
            Leaf("schema", ["1"]),
            Leaf("app", [#""api""#], changes: [#""api2""#]),
        ],
        tables: [
            Table(name: "process", leaves: [], defaults: [Leaf("env", ["{}", "{ }"], changes: [#"{ A = "" }"#])]),
            Table(name: "resources", leaves: [], defaults: [
                Leaf("cpu", [#""1000m""#, "1", #""1""#, "1.0", #""1.000""#, "1e0", "0.1e1"], changes: ["2", #""999m""#]),
                Leaf("memory", [#""512Mi""#, "536870912", #""0.5Gi""#, #""524288Ki""#, #""536870912B""#], changes: [#""512M""#]),
                Leaf("disk", [#""1Gi""#, #""1024Mi""#, #""1048576Ki""#], changes: [#""1G""#]),
                Leaf("pids", ["1024", "0x400", "1_024"], changes: ["1023"]),
            ]),
            Table(name: "rollout", leaves: [], defaults: [
                Leaf("strategy", [#""rolling""#], changes: [#""immediate""#]),
                Leaf("replicas", ["1", "0x1", "+1"], changes: ["2", "0"]),
                Leaf("max_unavailable", [#""25%""#, #""025%""#], changes: ["25", #""26%""#]),
                Leaf("max_surge", [#""25%""#, #""0025%""#], changes: ["1"]),
                Leaf("min_healthy_time", [#""10s""#, #""10000ms""#], changes: [#""0s""#]),
                Leaf("auto_rollback", ["true"], changes: ["false"]),
            ]),
            Table(name: "network", leaves: [
                Leaf("default_exposure", [#""public""#], changes: [#""internal""#], removable: true),
            ], defaults: [
                Leaf("internal_only", ["false"]),
            ]),
        ],
        arrays: [
            ArrayOfTables(name: "ports", elements: [
                Table(name: "http", leaves: [
                    Leaf("name", [#""http""#]),
                    Leaf("port", ["80", "0x50", "0o120", "0b1010000"], changes: ["81"]),
                    Leaf("protocol", [#""http""#], changes: [#""grpc""#], removable: true),
                ], defaults: [
                    Leaf("exposure", [#""public""#], changes: [#""internal""#]),
                ]),
            ]),
            ArrayOfTables(name: "checks", elements: [
                Table(name: "root", leaves: [
                    Leaf("name", [#""root""#], changes: [#""r00t""#]),
                    Leaf("kind", [#""http""#]),
                    Leaf("port", [#""http""#]),
                ], defaults: [
                    Leaf("path", [#""/""#, "'/'"], changes: [#""/ready""#]),
                    Leaf("status", ["200", "0xC8", "2_00"], changes: ["201"]),
                    Leaf("interval", [#""10s""#, #""10000ms""#], changes: [#""30s""#]),
                    Leaf("timeout", [#""2s""#, #""2000ms""#], changes: [#""1s""#]),
                    Leaf("grace_period", [#""0s""#], changes: [#""1h""#]),
                    Leaf("failure_threshold", ["3"], changes: ["100"]),
                ]),
            ]),
            ArrayOfTables(name: "volumes", elements: []),
            ArrayOfTables(name: "secrets", elements: []),
        ])

    static let store = Model(
        name: "store: volumes, secrets, gpus, internal only",
        root: [
            Leaf("schema", ["1"]),
            Leaf("app", [#""store""#], changes: [#""store-1""#]),
        ],
        tables: [
            Table(name: "resources", leaves: [
                Leaf("memory", [#""6Gi""#, #""6144Mi""#, #""0.005859375Ti""#, "6442450944", #""6291456Ki""#], changes: [#""6G""#]),
                Leaf("gpus", [#"{ count = 2, kind = "amd" }"#, "{ kind = 'amd', count = 0x2 }"], changes: [#"{ count = 3, kind = "amd" }"#], removable: true),
            ], defaults: [
                Leaf("cpu", ["1", #""1000m""#], changes: [#""1001m""#]),
            ]),
            Table(name: "rollout", leaves: [
                Leaf("strategy", [#""bluegreen""#], changes: [#""canary""#], removable: true),
                Leaf("replicas", ["2"], changes: ["3"], removable: true),
                Leaf("max_unavailable", [#""0%""#, #""00%""#], changes: [#""100%""#], removable: true),
                Leaf("max_surge", ["1", "0x1", "+1"], changes: ["2", #""1%""#], removable: true),
            ]),
            Table(name: "network", leaves: [
                Leaf("internal_only", ["true"], removable: true),
            ], defaults: [
                Leaf("default_exposure", [#""internal""#]),
            ]),
        ],
        arrays: [
            ArrayOfTables(name: "checks", elements: [
                Table(name: "db", leaves: [
                    Leaf("name", [#""db""#]),
                    Leaf("kind", [#""exec""#]),
                    Leaf("command", [#"["pg_isready", "-q"]"#, "['pg_isready','-q']"], changes: [#"["-q", "pg_isready"]"#]),
                    Leaf("grace_period", [#""1m30s""#, #""90s""#, #""90000ms""#, #""1m30000ms""#], changes: [#""1m31s""#], removable: true),
                    Leaf("failure_threshold", ["5"], changes: ["6"], removable: true),
                ]),
            ]),
            ArrayOfTables(name: "volumes", elements: [
                Table(name: "a", leaves: [
                    Leaf("name", [#""a""#], changes: [#""c""#]),
                    Leaf("path", [#""/data/a""#], changes: [#""/data/c""#]),
                    Leaf("size", [#""1.5Gi""#, #""1536Mi""#, "1610612736", #""1572864Ki""#, #""1.50Gi""#], changes: [#""1.5G""#], removable: true),
                    Leaf("read_only", ["true"], removable: true),  // removed, it is false
                ]),
                Table(name: "b", leaves: [
                    Leaf("name", [#""b""#]),
                    Leaf("path", [#""/data/b""#], changes: [#""/data/b/c""#]),
                ], defaults: [
                    Leaf("size", [#""1Gi""#, "1073741824"], changes: [#""2Gi""#]),
                    Leaf("read_only", ["false"], changes: ["true"]),
                ]),
            ]),
            ArrayOfTables(name: "secrets", elements: [
                Table(name: "s1", leaves: [
                    Leaf("name", [#""s1""#]),
                    Leaf("path", [#""/run/s1""#]),
                    Leaf("mode", [#""0600""#, "0o600", #""600""#], changes: [#""0640""#], removable: true),
                    Leaf("owner", [#""0:0""#, #""00:0""#], changes: [#""0:1""#]),
                ]),
                Table(name: "s2", leaves: [
                    Leaf("name", [#""s2""#], changes: [#""s3""#]),
                    Leaf("path", [#""/run/s2""#]),
                ], defaults: [
                    Leaf("mode", [#""0400""#, "0o400", #""400""#], changes: [#""0444""#]),
                    Leaf("owner", [#""0:0""#], changes: [#""1:1""#]),
                ]),
            ]),
            ArrayOfTables(name: "ports", elements: []),
        ])

    static let models = [shop, small, store]

    // MARK: - The properties

    /// Variants of each model, drawn from seeded generators: same hash as the base, and the canonical
    /// JSON and the explanation of each validate back to it.
    @Test(arguments: models)
    func equivalentSpellingsHashTheSame(_ model: Model) throws {
        let baseText = Self.render(model)
        let base = try #require(try? Self.validate(baseText).get(), "the base of \(model.name) must be valid:\n\(baseText)")
        try Self.expectRoundTrips(base, label: "base")
        for index in 0..<80 {
            let seed = UInt64(index) &* 0x2545_F491_4F6C_DD1D &+ UInt64(model.name.utf8.count)
            let text = Self.render(model, seed: seed)
            switch Self.validate(text) {
            case let .success(manifest):
                #expect(manifest.contentHash == base.contentHash, "seed \(seed):\n\(text)")
                #expect(manifest.canonicalJSON == base.canonicalJSON, "seed \(seed)")
                try Self.expectRoundTrips(manifest, label: "seed \(seed)")
            case let .failure(error):
                Issue.record("seed \(seed): an equivalent variant is invalid: \(error)\n\(text)")
            }
        }
    }

    /// Every single change of one leaf (another value, or leaving out an optional or non-default key)
    /// gives a valid manifest with a hash different from the base and from every other change.
    @Test(arguments: models)
    func everySingleChangeHashesDifferently(_ model: Model) throws {
        let base = try #require(try? Self.validate(Self.render(model)).get())
        var hashes: [Digest: String] = [base.contentHash: "base"]
        var changes: [Change] = []
        for (path, leaf, isDefault) in model.leafPaths {
            changes += leaf.changes.map { Change(path: path, spelling: $0) }
            if leaf.removable && !isDefault { changes.append(Change(path: path, spelling: nil)) }
        }
        #expect(changes.count > 25)
        for (index, change) in changes.enumerated() {
            // Each change is written in a random (equivalent) style too.
            let seed = UInt64(index) &+ 0xC0FFEE
            let text = Self.render(model, seed: seed, change: change)
            let label = "\(change.path) = \(change.spelling ?? "(removed)"), seed \(seed)"
            switch Self.validate(text) {
            case let .success(manifest):
                if let other = hashes[manifest.contentHash] {
                    Issue.record("\(label) hashes like \(other)\n\(text)")
                } else {
                    hashes[manifest.contentHash] = label
                }
                try Self.expectRoundTrips(manifest, label: label)
            case let .failure(error):
                Issue.record("\(label): the changed manifest is invalid: \(error)\n\(text)")
            }
        }
    }

    /// The order of the elements of an array of tables is significant.
    @Test func reorderingArrayElementsChangesTheHash() throws {
        var swapped = Self.shop
        for index in swapped.arrays.indices where swapped.arrays[index].elements.count == 2 {
            swapped.arrays[index].elements.reverse()
        }
        let base = try #require(try? Self.validate(Self.render(Self.shop)).get())
        let other = try #require(try? Self.validate(Self.render(swapped)).get())
        #expect(base.contentHash != other.contentHash)
        #expect(base.ports.map(\.name) == ["web", "dns"])
        #expect(other.ports.map(\.name) == ["dns", "web"])
    }

    /// The explanation of an explanation is itself but for the `# default` marks (the defaults are now
    /// written), and the hash is pinned for the base of each model,
    /// so a change of canonical form (and so of every release's manifest hash) is noticed.
    @Test func explanationIsAFixedPointAndHashesArePinned() throws {
        let pinned = [
            Self.shop.name: "sha256:29318c4ce708c28820f564a34a0c5ed68cb86c08553ba5ba59ca3627fa4f7532",
            Self.small.name: "sha256:ca4b6389d5e02d6eaec9608f021bd0e07d562e0056c35eebcadd5040d3d16bdf",
            Self.store.name: "sha256:b7fcee7c622deceab62f9993ee5c822669dc0e20c1bb30ab88a5179cdd7f1338",
        ]
        for model in Self.models {
            let manifest = try #require(try? Self.validate(Self.render(model)).get())
            let again = try #require(try? Self.validate(manifest.explanation).get())
            let unmarked = manifest.explanation.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.hasSuffix("  # default") ? $0.dropLast("  # default".count) : $0 }.joined(separator: "\n")
            #expect(again.explanation == unmarked, "\(model.name)")
            #expect(again.defaulted.isEmpty, "\(model.name)")
            #expect(manifest.contentHash.description == pinned[model.name], "\(model.name)")
        }
    }

    static func expectRoundTrips(_ manifest: PlatformManifest, label: String) throws {
        do {
            let fromJSON = try PlatformManifest.validate(canonicalJSON: manifest.canonicalJSON, file: "canonical.json")
            #expect(fromJSON.contentHash == manifest.contentHash, "\(label): canonical JSON")
            #expect(fromJSON.canonicalJSON == manifest.canonicalJSON, "\(label): canonical JSON")
        } catch {
            Issue.record("\(label): the canonical JSON does not validate: \(error)")
        }
        switch validate(manifest.explanation) {
        case let .success(explained):
            #expect(explained.contentHash == manifest.contentHash, "\(label): explanation\n\(manifest.explanation)")
        case let .failure(error):
            Issue.record("\(label): the explanation does not validate: \(error)\n\(manifest.explanation)")
        }
    }
}
