import ArgumentParser

@main
struct Klein: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "klein",
        abstract: "Content-addressed artifacts: OCI layouts, images and artifacts named by their digest.",
        discussion: """
        Examples:
          klein layout init ./images
          klein import ./images:sbom sbom.spdx.json:application/spdx+json --artifact-type application/spdx+json
          klein inspect ./images:sbom
          klein layout fsck ./images
        """,
        version: KleinVersion.current,
        subcommands: [LayoutCommand.self, LayerCommand.self, Inspect.self, Import.self, Unpack.self, DigestCommand.self, Serve.self, RegistryCommand.self, Version.self]
    )
}
