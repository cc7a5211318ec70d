import KleinClient
import KleinOCI
import KleinStore

/// Fetches an image or artifact named by an `ImageSource` (a layout or a registry) into a blob
/// store, choosing one platform's manifest from an index. Every byte is verified on the way.
struct ImageFetcher {
    let session: RegistrySession
    let work: WorkDirectory
    /// Layout paths are relative to this directory.
    let context: String

    func fetch(_ image: ImageSource, platform: Platform?, into store: BlobStore) async throws(BuildError) -> (Descriptor, FetchedManifest) {
        let source: any ContentSource
        switch image.location {
        case let .layout(path):
            let full = path.hasPrefix("/") ? path : "\(context)/\(path)"
            source = try BuildError.wrap("opening the layout \(full)") { try OCILayout(opening: full) }
        case let .registry(reference):
            source = session.repository(reference)
        }
        let staging = try BuildError.wrap("creating a staging layout") { try OCILayout.create(at: try work.make("image") + "/layout") }
        var copier = Copier(from: source, to: staging)
        copier.platform = platform ?? .host
        return try await BuildError.wrap("fetching \(image)") {
            let root = try await copier.copy(image.selector, tag: nil)
            let fetched = try await staging.manifest(root)
            for digest in try staging.blobs.list().blobs {
                try store.write(contentsOf: staging.blobs.path(for: digest), expecting: digest)
            }
            return (root, fetched)
        }
    }
}
