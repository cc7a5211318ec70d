import KleinOCI

/// Where a copy writes content: a registry repository or an OCI layout, or any new kind as one more
/// conforming type. Blobs arrive before the manifests that name them, so a destination never names
/// content it does not hold.
public protocol ContentDestination: Sendable, CustomStringConvertible {
    /// Whether the destination already holds the blob (then it is not copied).
    func hasBlob(_ descriptor: Descriptor) async throws(ClientError) -> Bool
    /// Links the blob from `source` without moving its bytes, when this destination can (a repository of
    /// the registry that `source` is in); false when it cannot. The default is false.
    func mountBlob(_ descriptor: Descriptor, from source: any ContentSource) async throws(ClientError) -> Bool
    /// Copies a blob from `source`, verified against `descriptor` before it is visible here.
    func writeBlob(_ descriptor: Descriptor, from source: any ContentSource, progress: ProgressHandler?) async throws(ClientError)
    /// Writes a manifest: `tag` names the root (nil writes it by digest); `listed` marks the root of a
    /// copy. Returns true when it stored bytes this destination did not hold.
    @discardableResult
    func putManifest(_ manifest: FetchedManifest, tag: String?, listed: Bool) async throws(ClientError) -> Bool
    /// Runs a copy's writes: a layout keeps `gc` away until its new content is referenced. The default
    /// just runs `body`.
    func whileWriting<T>(_ body: () async throws(ClientError) -> T) async throws(ClientError) -> T
    /// Takes back what a failed copy added (nothing it added is referenced yet). The default keeps it.
    func removeAfterFailedCopy(_ added: [Digest])
}

extension ContentDestination {
    /// False: the destination cannot link blobs.
    public func mountBlob(_ descriptor: Descriptor, from source: any ContentSource) async throws(ClientError) -> Bool { false }

    /// Runs `body` with nothing held.
    public func whileWriting<T>(_ body: () async throws(ClientError) -> T) async throws(ClientError) -> T {
        try await body()
    }

    /// Keeps everything.
    public func removeAfterFailedCopy(_ added: [Digest]) {}
}
