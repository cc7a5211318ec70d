import Foundation
import Testing

/// `klein manifest` as users and their editors meet it: the JSON Schema and the defaults table in the
/// repository are what the definitions generate, a standard JSON Schema validator (Python's
/// jsonschema) accepts what Klein accepts and rejects privileged requests, and the CLI reports every
/// problem with its line.
@Suite struct PlatformManifestInteropTests {
    static let full = """
        schema = 1
        app = "web"
        [process]
        entrypoint = ["/bin/web"]
        env = { LOG_LEVEL = "info" }
        [[ports]]
        name = "http"
        port = 8080
        protocol = "http"
        exposure = "public"
        [resources]
        cpu = 0.5
        memory = "1Gi"
        gpus = { count = 1, kind = "nvidia" }
        [[checks]]
        name = "ready"
        kind = "http"
        port = "http"
        path = "/healthz"
        [rollout]
        strategy = "canary"
        replicas = 3
        max_surge = 1
        [[volumes]]
        name = "data"
        path = "/var/lib/web"
        [[secrets]]
        name = "db"
        path = "/run/secrets/db"
        mode = "0440"
        """

    @Test func committedSchemaAndDefaultsTableAreWhatTheDefinitionsGenerate() throws {
        let schema = try String(contentsOfFile: "\(Tools.repository)/schemas/platform-manifest-v1.json", encoding: .utf8)
        #expect(schema == (try Tools.klein("manifest", "schema")), "regenerate with: klein manifest schema > schemas/platform-manifest-v1.json")
        let readme = try String(contentsOfFile: "\(Tools.repository)/README.md", encoding: .utf8)
        #expect(readme.contains(try Tools.klein("manifest", "defaults")), "paste `klein manifest defaults` into README.md's platform manifest section")
    }

    /// Each manifest parsed by Python's tomllib and checked by jsonschema against the shipped schema; the
    /// effective manifest Klein prints must pass too.
    @Test func standardValidatorAgreesWithKlein() throws {
        let scratch = try Scratch()
        let cases: [(name: String, toml: String, valid: Bool)] = [
            ("full", Self.full, true),
            ("minimal", "schema = 1\napp = \"web\"\n", true),
            ("privileged", "schema = 1\napp = \"web\"\nprivileged = true\n", false),
            ("host path", "schema = 1\napp = \"web\"\n[[volumes]]\nname = \"d\"\npath = \"/d\"\nhost_path = \"/srv\"\n", false),
            ("unknown key", "schema = 1\napp = \"web\"\n[resources]\nmemroy = \"1Gi\"\n", false),
            ("bad name", "schema = 1\napp = \"Web\"\n", false),
            ("shadowed proc", "schema = 1\napp = \"web\"\n[[volumes]]\nname = \"d\"\npath = \"/proc/x\"\n", false),
            ("port on an exec check", "schema = 1\napp = \"web\"\n[[ports]]\nname = \"p\"\nport = 1\n[[checks]]\nname = \"c\"\nkind = \"exec\"\nport = \"p\"\ncommand = [\"true\"]\n", false),
        ]
        for (index, testCase) in cases.enumerated() {
            let file = try scratch.write("case\(index).toml", testCase.toml)
            let klein = try Tools.run("klein", ["manifest", "validate", file])
            #expect(klein.succeeded == testCase.valid, "\(testCase.name): klein says \(klein.stdout)\(klein.stderr)")
            let python = try Tools.run("python3", ["-c", """
                import json, sys, tomllib, jsonschema
                schema = json.load(open(sys.argv[1]))
                jsonschema.Draft202012Validator.check_schema(schema)
                errors = list(jsonschema.Draft202012Validator(schema).iter_errors(tomllib.load(open(sys.argv[2], "rb"))))
                print("\\n".join(error.message for error in errors))
                sys.exit(1 if errors else 0)
                """, "\(Tools.repository)/schemas/platform-manifest-v1.json", file])
            #expect(python.succeeded == testCase.valid, "\(testCase.name): jsonschema says \(python.stdout)\(python.stderr)")
            guard testCase.valid else { continue }
            let explained = try Tools.klein("manifest", "explain", file, "--json")
            let effective = try scratch.write("effective\(index).json", String(decoding: try JSONSerialization.data(withJSONObject:
                (try JSONSerialization.jsonObject(with: Data(explained.utf8)) as? [String: Any])?["manifest"] ?? [:]), as: UTF8.self))
            try Tools.peer("python3", "-c", """
                import json, sys, jsonschema
                jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])), cls=jsonschema.Draft202012Validator)
                """, "\(Tools.repository)/schemas/platform-manifest-v1.json", effective)
        }
    }

    @Test func cliReportsEveryProblemAndHashesIgnoreFormatting() throws {
        let scratch = try Scratch()
        let bad = try scratch.write("bad.toml", """
            schema = 1
            app = "web"
            privileged = true
            [resources]
            memory = "12 apples"
            """)
        let result = try Tools.run("klein", ["manifest", "validate", bad])
        #expect(!result.succeeded)
        #expect(result.stderr.contains("2 problems") && result.stderr.contains("line 3: privileged: privileged containers are not allowed")
                && result.stderr.contains("line 5: resources.memory:"), "\(result.stderr)")

        let plain = try scratch.write("plain.toml", Self.full)
        let reformatted = try scratch.write("reformatted.toml", "# reordered, commented, spelled differently\n"
            + Self.full.replacingOccurrences(of: "memory = \"1Gi\"", with: "memory   =   \"1024Mi\"  # one gibibyte")
                .replacingOccurrences(of: "cpu = 0.5", with: "cpu = \"500m\"\ndisk = \"1Gi\""))
        let hash = try Tools.klein("manifest", "hash", plain)
        #expect(hash == (try Tools.klein("manifest", "hash", reformatted)))
        let changed = try scratch.write("changed.toml", Self.full.replacingOccurrences(of: "replicas = 3", with: "replicas = 4"))
        #expect(hash != (try Tools.klein("manifest", "hash", changed)))
        // explain's output is itself a manifest with the same hash.
        let explained = try scratch.write("explained.toml", try Tools.klein("manifest", "explain", plain))
        #expect(hash == (try Tools.klein("manifest", "hash", explained)))
    }
}
