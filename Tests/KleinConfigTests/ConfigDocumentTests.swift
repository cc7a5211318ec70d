import KleinConfig
import Testing

@Suite struct ConfigDocumentTests {
    @Test func keysHaveTheirLines() throws {
        let document = try ConfigDocument(toml: """
            schema = 1

            [[ports]]
            name = "web"
            [[ports]]
            name = "admin"
            [resources]
            gpus = { count = 1, kind = "nvidia" }
            a.b.c = 1
            """)
        #expect(document.line(of: "schema") == 1)
        #expect(document.line(of: "ports[0].name") == 4)
        #expect(document.line(of: "ports[1].name") == 6)
        #expect(document.line(of: "resources.gpus.kind") == 8)
        #expect(document.line(of: "resources.a") == 9)
        #expect(document.line(of: "ports[1].name[3]") == 6)
        #expect(document.root["schema"] == .integer(1))
    }

    @Test func literalsAreAsWritten() throws {
        let document = try ConfigDocument(toml: "mode = 644\nother = 0o755\n")
        #expect(document.literal(of: "mode") == "644")
        #expect(document.literal(of: "other") == "0o755")
    }

    @Test(arguments: [
        ("[]\n", 1, "TOML syntax: a table header needs a key, e.g. [resources]"),
        ("a = 1\n" + String(repeating: "k.", count: 40) + "k = 1\n", 2, "a key of more than 32 dotted parts is too deep for any Klein schema"),
        ("a = \"x\\u0000\"\n", 1, "a NUL character (\\u0000) is not allowed in a key or string"),
    ])
    func hostileTextIsRefusedBeforeParsing(text: String, line: Int, message: String) {
        #expect(throws: ConfigSyntaxError.refused(line: line, reason: message)) { try ConfigDocument(toml: text) }
    }

    @Test func syntaxErrorsHaveALine() {
        #expect {
            try ConfigDocument(toml: "a = 1\nb = \n")
        } throws: { error in
            guard case let .toml(line, _, _) = error as? ConfigSyntaxError else { return false }
            return line == 2 && (error as? ConfigSyntaxError)?.problem.description.hasPrefix("line 2: (top level): TOML syntax: ") == true
        }
    }

    @Test func readerCollectsEveryProblem() throws {
        let reader = ConfigReader(try ConfigDocument(toml: "name = 1\nflag = \"yes\"\ncolour = \"red\"\n"))
        #expect(reader.string(reader.document.root, "name", at: "name") == nil)
        #expect(reader.bool(reader.document.root, "flag", at: "flag") == nil)
        reader.rejectUnknown(reader.document.root, at: "", known: ["name", "flag", "color"])
        #expect(reader.problems.map(\.description) == [
            "line 1: name: must be a string, found an integer",
            "line 2: flag: must be true or false, found a string",
            #"line 3: colour: unknown key; did you mean "color"? (known: color, flag, name)"#,
        ])
        #expect(ConfigProblem.report(reader.problems, in: "x.toml").hasPrefix("x.toml: 3 problems:\n  line 1: name: "))
    }
}
