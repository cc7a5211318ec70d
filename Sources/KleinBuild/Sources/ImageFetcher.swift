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
        let source: ContentEndpoint
        switch image.location {
        case let .layout(path):
            let full = path.hasPrefix("/") ? path : "\(context)/\(path)"
            source = .layout(try BuildError.wrap("opening the layout \(full)") { try OCILayout(opening: full) })
        case let .registry(reference):
            source = .registry(session.client(for: reference.registry), repository: reference.repository)
        }
        let staging = try BuildError.wrap("creating a staging layout") { try OCILayout.create(at: try work.make("image") + "/layout") }
        var copier = Copier(from: source, to: .layout(staging))
        copier.platform = platform ?? .host
        return try await BuildError.wrap("fetching \(image)") {
            let root = try await copier.copy(image.selector, tag: nil)
            let fetched = try await ContentEndpoint.layout(staging).manifest(root)
            for digest in try staging.blobs.list().blobs {
                try store.write(contentsOf: staging.blobs.path(for: digest), expecting: digest)
            }
            return (root, fetched)
        }
    }
}
