import KleinClient
import KleinOCI
import KleinPlatform
import KleinStore

/// Stage 2 on one node, as a library: an image or a release is resolved to a digest once, fetched
/// into the node's store (`DATA/images`), its manifest chosen for the node's platform once (by
/// `ImageIndex.manifest(for:)`), unpacked from the store into the rootfs cache (`DATA/rootfs`), planned
/// and written as a bundle, and run. `klein spec`, `bundle` and `run` only parse flags and call this.
public struct NodeRuntime: Sendable {
    /// The node's data directory.
    public let dataDirectory: String
    /// The node's configuration (`node.toml`).
    public let node: NodeConfiguration
    /// Told of every step of a fetch, for progress displays.
    public var observer: TransferObserver?
    /// The command line of a detached container's supervisor, a process of its own that calls
    /// ``supervise(id:adopt:)`` (the CLI re-executes itself); nil when containers cannot be detached.
    public var supervisorCommand: (@Sendable (_ id: String, _ adopt: Bool) -> [String])?

    /// Stage 2 on the node `node`, keeping its state under `dataDirectory`.
    public init(dataDirectory: String, node: NodeConfiguration) {
        self.dataDirectory = dataDirectory
        self.node = node
    }

    /// The node's store: images fetched from remote origins, `DATA/images`.
    public var storePath: String { "\(dataDirectory)/images" }

    /// The unpacked images, `DATA/rootfs`.
    public var rootfsCache: RootfsCache { RootfsCache(directory: "\(dataDirectory)/rootfs") }

    /// The image `target` names, ready to unpack: a layout's image read in place; a remote image's
    /// manifest for the node's platform and its missing blobs fetched into the node's store, verified.
    public func image(_ target: ImageTarget) async throws(RuntimeError) -> RunnableImage {
        let platform = node.platform
        switch (target.origin, target.name) {
        case let (.layout(layout), .reference(selector)):
            return try RunnableImage(layout: layout, selector: selector, platform: platform)
        case let (.layout(layout), .pinned(descriptor)):
            return try RunnableImage(layout: layout, descriptor: descriptor, platform: platform)
        case let (.remote(source), name):
            let store = try RuntimeError.wrap { try OCILayout.create(at: storePath) }
            var copier = Copier(from: source, to: store)
            copier.platform = platform
            copier.observer = observer
            let root: Descriptor
            do throws(ClientError) {
                switch name {
                case let .reference(reference): root = try await copier.copy(reference, tag: nil)
                case let .pinned(descriptor): root = try await copier.copy(descriptor, tag: nil)
                }
            } catch {
                throw .client(error)
            }
            return try RunnableImage(layout: store, descriptor: root, platform: platform)
        }
    }

    /// A bundler for `workload`: its image fetched (``image(_:)``) and its settings, on this node.
    public func bundler(for workload: Workload) async throws(RuntimeError) -> Bundler {
        Bundler(image: try await image(workload.image), deployment: workload.deployment, node: node)
    }

    /// The `config.json` a bundle of `workload` would get, and what was changed or skipped; the image
    /// is unpacked into the rootfs cache when missing, to read its account files.
    public func plan(_ workload: Workload) async throws(RuntimeError) -> BundlePlan {
        try await bundler(for: workload).plan(cache: rootfsCache)
    }

    /// A standalone bundle of `workload` in `directory` (absent or empty): see ``Bundler/write(to:)``.
    public func writeBundle(_ workload: Workload, to directory: String) async throws(RuntimeError) -> (image: RunnableImage, plan: BundlePlan) {
        let bundler = try await bundler(for: workload)
        return (bundler.image, try bundler.write(to: directory))
    }
}
