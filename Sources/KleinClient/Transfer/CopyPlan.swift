import KleinOCI

/// Everything a copy will move, found before anything is written: every manifest (verified, children
/// before the manifests that list them, referrers after their subjects) and every blob once.
struct CopyPlan: Sendable {
    var manifests: [FetchedManifest] = []
    var blobs: [Descriptor] = []
    private var seenManifests = Set<Digest>()
    private var seenBlobs = Set<Digest>()

    /// Walks from `root`: an index's manifests (or the one matching `platform`), a manifest's config and
    /// layers, and with `referrers` every manifest whose subject was reached, transitively.
    static func make(root: FetchedManifest, source: any ContentSource, referrers: Bool) async throws(ClientError) -> CopyPlan {
        var plan = CopyPlan()
        try await plan.visit(root, source: source, referrers: referrers)
        return plan
    }

    private mutating func visit(_ fetched: FetchedManifest, source: any ContentSource, referrers: Bool) async throws(ClientError) {
        guard seenManifests.insert(fetched.descriptor.digest).inserted else { return }
        switch fetched.manifest {
        case let .index(index):
            for child in index.manifests {
                guard child.mediaType.isManifest else {
                    addBlob(child)
                    continue
                }
                try await visit(try await source.manifest(child), source: source, referrers: referrers)
            }
        case let .image(image):
            for blob in [image.config] + image.layers { addBlob(blob) }
        }
        manifests.append(fetched)
        guard referrers else { return }
        for referrer in try await source.referrers(of: fetched.descriptor.digest) {
            try await visit(try await source.manifest(referrer), source: source, referrers: true)
        }
    }

    private mutating func addBlob(_ descriptor: Descriptor) {
        // Blobs that a manifest embeds (`data`) still exist as blobs in a registry; non-distributable
        // layers with `urls` are fetched from elsewhere and are not copied (image-spec layer.md).
        if descriptor.urls?.isEmpty == false && descriptor.mediaType.rawValue.contains("nondistributable") { return }
        if descriptor.mediaType == .dockerForeignLayerGzip { return }
        guard seenBlobs.insert(descriptor.digest).inserted else { return }
        var plain = descriptor
        plain.annotations = nil
        blobs.append(plain)
    }

    var totalBytes: Int64 { blobs.reduce(0) { $0 + $1.size } }
}
