import ArgumentParser
import KleinOCI

@main
struct Klein: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "klein",
        abstract: "Content-addressed artifacts: OCI layouts, images and artifacts named by their digest.",
        discussion: """
        Examples:
          klein copy localhost:5000/app:v1 oci:./images:app-v1
          klein artifact push localhost:5000/app:sbom sbom.json:application/spdx+json --artifact-type application/spdx+json
          klein layout init ./images
          klein import ./images:sbom sbom.spdx.json:application/spdx+json --artifact-type application/spdx+json
          klein inspect ./images:sbom
          klein layout fsck ./images
        """,
        version: KleinVersion.current,
        subcommands: [
            Pull.self, Push.self, Copy.self, Inspect.self, Tags.self, Resolve.self, Delete.self, Catalog.self, Login.self, Logout.self,
            ArtifactCommand.self, IndexCommand.self, LayoutCommand.self, LayerCommand.self, Import.self, Unpack.self, Spec.self, BundleCommand.self, Run.self, ContainerCommand.self, ContainerShim.self, RootfsCommand.self, DigestCommand.self,
            Build.self, Rebuild.self, Verify.self, Provenance.self, ManifestCommand.self, ReleaseCommand.self, EventsCommand.self, Serve.self, RegistryCommand.self, Version.self,
        ]
    )
}
