import KleinOCI

/// Copies an image, index or artifact — with its referrers when asked — from any ``ContentSource`` to
/// any ``ContentDestination``.
///
/// The tag is resolved once; every manifest is fetched and verified before any blob moves; blobs move in
/// parallel (bounded by `ClientOptions.parallelBlobs`), skipping those the destination has and mounting
/// where the destination can; manifests are written last, children first, so the destination never
/// names content it does not hold.
public struct Copier: Sendable {
    /// Where content is read.
    public var source: any ContentSource
    /// Where content is written.
    public var destination: any ContentDestination
    /// From an index, copy only the manifest for this platform (the index itself is not copied).
    public var platform: Platform?
    /// Also copy every manifest whose `subject` is copied (signatures, SBOMs, attestations), transitively.
    public var referrers = false
    /// Blobs copied at once.
    public var parallelBlobs = 4
    /// Told of every step, for progress displays.
    public var observer: TransferObserver?

    /// A copy from `source` to `destination`.
    public init(from source: any ContentSource, to destination: any ContentDestination) {
        self.source = source
        self.destination = destination
    }

    /// Copies what `reference` (a tag, ref name or digest) names in the source; writes the root under
    /// `tag` in the destination (by digest only when nil). Returns the root's descriptor as written.
    @discardableResult
    public func copy(_ reference: String, tag: String?) async throws(ClientError) -> Descriptor {
        try await copy(root: try await source.resolve(reference), named: reference, tag: tag)
    }

    /// Copies what `descriptor` (pinned by digest, e.g. a release's image) points to, verified against
    /// it: nothing is resolved by name. Returns the root's descriptor as written.
    @discardableResult
    public func copy(_ descriptor: Descriptor, tag: String?) async throws(ClientError) -> Descriptor {
        try await copy(root: try await source.manifest(descriptor), named: descriptor.digest.description, tag: tag)
    }

    private func copy(root fetched: FetchedManifest, named reference: String, tag: String?) async throws(ClientError) -> Descriptor {
        var root = fetched
        if let platform, case let .index(index) = root.manifest {
            guard let chosen = index.manifest(for: platform) else {
                throw .notFound(what: "a manifest for platform \(platform) in \(source) \(reference) (it has: \(index.platformListing))")
            }
            root = try await source.manifest(chosen)
        }
        let plan = try await CopyPlan.make(root: root, source: source, referrers: referrers)
        observer?(.planned(blobs: plan.blobs.count, bytes: plan.totalBytes))
        let writer = DestinationWriter(destination: destination, source: source, observer: observer)
        try await destination.whileWriting { () async throws(ClientError) in
            do throws(ClientError) {
                try await writer.copyBlobs(plan.blobs, parallel: parallelBlobs)
                for manifest in plan.manifests {
                    let isRoot = manifest.descriptor.digest == root.descriptor.digest
                    try await writer.writeManifest(manifest, tag: isRoot ? tag : nil, listed: isRoot)
                }
            } catch {
                writer.rollBack()
                throw error
            }
        }
        return root.descriptor
    }
}
