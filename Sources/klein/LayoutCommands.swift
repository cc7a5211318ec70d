import ArgumentParser
import KleinOCI
import KleinStore

struct LayoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layout",
        abstract: "Create, list, tag, collect and check OCI image layouts.",
        discussion: "Example:\n  klein layout ls ./images",
        subcommands: [LayoutInit.self, LayoutList.self, LayoutTag.self, LayoutUntag.self, LayoutGC.self, LayoutFsck.self]
    )
}

struct LayoutInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create an empty OCI image layout (or leave an existing one as it is).",
        discussion: "Example:\n  klein layout init ./images"
    )

    @Argument(help: "Directory of the layout.") var path: String

    func run() throws {
        let layout = try OCILayout.create(at: path)
        print("initialized OCI layout at \(layout.path)")
    }
}

struct LayoutList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the entries of a layout's index.json.",
        discussion: "Example:\n  klein layout ls ./images"
    )

    @Argument(help: "Directory of the layout.") var path: String
    @OptionGroup var format: JSONOption

    func run() throws {
        let layout = try OCILayout(opening: path)
        let entries = try layout.index().manifests
        if format.json {
            Output.printJSON(.array(entries.map(\.jsonValue)))
            return
        }
        var rows = [["REF", "DIGEST", "TYPE", "SIZE"]]
        for entry in entries {
            let type = entry.artifactType.map { "\($0)" } ?? entry.platform.map { "\(entry.mediaType) (\($0))" } ?? "\(entry.mediaType)"
            rows.append([entry.refName ?? "<none>", entry.digest.description, type, Output.bytes(entry.size)])
        }
        print(Output.table(rows))
    }
}

struct LayoutTag: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Give an entry of a layout another reference name.",
        discussion: "Example:\n  klein layout tag ./images:v1.2.0 stable\n  klein layout tag ./images@sha256:4f1c… v1"
    )

    @Argument(help: "The entry: PATH:REF or PATH@DIGEST.") var source: LayoutTarget
    @Argument(help: "The new reference name.") var name: String

    func run() throws {
        let layout = try source.open()
        try OCILayout.validateRefName(name)
        try layout.tag(source.selector, as: name)
        print("\(layout.path):\(name) -> \(try layout.resolve(name).digest)")
    }
}

struct LayoutUntag: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "untag",
        abstract: "Remove a reference name from a layout; content stays until `klein layout gc`.",
        discussion: "Example:\n  klein layout untag ./images:old"
    )

    @Argument(help: "PATH:REF to remove.") var target: LayoutTarget

    func run() throws {
        guard let name = try target.refName() else { throw ValidationError("name the reference to remove: PATH:REF") }
        try target.open().untag(name)
        print("removed \(target)")
    }
}
