import KleinClient
import KleinOCI
import KleinPlatform

extension Release {
    /// The release artifact and its blobs, ready for `Copier`.
    var staged: StagedContent {
        StagedContent(manifest: artifact, blobs: [manifestHash: .bytes(manifest), Descriptor.empty.digest: .bytes(Array("{}".utf8))])
    }
}
