import KleinOCI
import KleinStore

/// Copies an image, index or artifact — with its referrers when asked — between registries and OCI layouts.
///
/// The tag is resolved once; every manifest is fetched and verified before any blob moves; blobs move in
/// parallel (bounded by `ClientOptions.parallelBlobs`), skipping those the destination has and mounting
/// across repositories of one registry; manifests are written last, children first, so the destination
/// never names content it does not hold.
public struct Copier: Sendable {
    public var source: ContentEndpoint
    public var destination: ContentEndpoint
    /// From an index, copy only the manifest for this platform (the index itself is not copied).
    public var platform: Platform?
    /// Also copy every manifest whose `subject` is copied (signatures, SBOMs, attestations), transitively.
    public var referrers = false
    public var parallelBlobs = 4
    public var observer: TransferObserver?

    public init(from source: ContentEndpoint, to destination: ContentEndpoint) {
        self.source = source
        self.destination = destination
    }

    /// Copies what `reference` (a tag, ref name or digest) names in the source; writes the root under
    /// `tag` in the destination (by digest only when nil). Returns the root's descriptor as written.
    @discardableResult
    public func copy(_ reference: String, tag: String?) async throws(ClientError) -> Descriptor {
        var root = try await source.resolve(reference)
        if let platform, case let .index(index) = root.manifest {
            guard let chosen = index.manifest(for: platform) else {
                throw .notFound(what: "a manifest for platform \(platform) in \(source) \(reference) (it has: \(index.platformListing))")
            }
            root = try await source.manifest(chosen)
        }
        let plan = try await CopyPlan.make(root: root, source: source, referrers: referrers)
        observer?(.planned(blobs: plan.blobs.count, bytes: plan.totalBytes))
        // A layout being written keeps `gc` away until its new content is referenced.
        var writeAccess: POSIXFile?
        if case let .layout(layout) = destination {
            writeAccess = try RegistryClient.storeCall { () throws(StoreError) in try layout.acquireWriteAccess() }
        }
        defer { withExtendedLifetime(writeAccess) {} }
        let writer = DestinationWriter(destination: destination, source: source, observer: observer)
        do {
            try await writer.copyBlobs(plan.blobs, parallel: parallelBlobs)
            for manifest in plan.manifests {
                let isRoot = manifest.descriptor.digest == root.descriptor.digest
                try await writer.writeManifest(manifest, tag: isRoot ? tag : nil, listed: isRoot)
            }
        } catch {
            writer.rollBack()
            throw error
        }
        return root.descriptor
    }
}
