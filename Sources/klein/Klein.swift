import ArgumentParser

@main
struct Klein: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "klein",
        abstract: "Content-addressed artifacts: OCI layouts, images and artifacts named by their digest.",
        version: KleinVersion.current,
        subcommands: [LayoutCommand.self, Inspect.self, Import.self, DigestCommand.self, Version.self]
    )
}
