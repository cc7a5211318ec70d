import KleinClient
import KleinOCI
import KleinStore

/// The image stage 2 runs: where it is and how it is named there. A name is resolved to a digest once,
/// by ``NodeRuntime/image(_:)``; a pinned descriptor is never resolved by name at all.
public struct ImageTarget: Sendable {
    /// Where the image is.
    public enum Origin: Sendable {
        /// An OCI layout on this node, read in place: it is a store already.
        case layout(OCILayout)
        /// Any other source (a registry repository, a source list, a peer): the manifest for the node's
        /// platform and its blobs are fetched into the node's store first.
        case remote(any ContentSource)
    }

    /// How the image is named in its origin.
    public enum Name: Sendable {
        /// A tag, ref name or digest as the user wrote it ("" for a layout's only image).
        case reference(String)
        /// An image (or index) already pinned by digest, such as the one a release recorded.
        case pinned(Descriptor)
    }

    /// Where the image is.
    public var origin: Origin
    /// How it is named there.
    public var name: Name

    /// The image `name` names in `origin`.
    public init(origin: Origin, name: Name) {
        self.origin = origin
        self.name = name
    }
}
