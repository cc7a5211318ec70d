import KleinArchive
import KleinOCI
import KleinPlatform
#if canImport(Glibc)
import Glibc
#endif

/// Turns an image and its deployment into OCI runtime bundles: `klein spec`, `klein bundle` and
/// `klein run` share it.
public struct Bundler: Sendable {
    /// The image to run.
    public let image: RunnableImage
    /// The settings applied on top of the image's config.
    public let deployment: Deployment
    /// The node the bundle is for.
    public let node: NodeConfiguration
    /// How layers are unpacked (limits, devices).
    public var unpackOptions = UnpackOptions()

    /// A bundler for `image` with `deployment` on `node`.
    public init(image: RunnableImage, deployment: Deployment, node: NodeConfiguration) {
        self.image = image
        self.deployment = deployment
        self.node = node
    }

    /// The plan for the image as the cache holds it (unpacked there first when missing).
    public func plan(cache: RootfsCache) throws(RuntimeError) -> BundlePlan {
        try withCachedPlan(cache) { (_, _, plan) throws(RuntimeError) in plan }
    }

    /// Under the cache's shared lock, so prune cannot remove the tree meanwhile: `body` with the
    /// image's cached tree (unpacked when missing), whether it was there already, and its plan.
    private func withCachedPlan<T>(_ cache: RootfsCache, _ body: (String, Bool, BundlePlan) throws(RuntimeError) -> T) throws(RuntimeError) -> T {
        try cache.withLock(exclusive: false) { () throws(RuntimeError) in
            let (rootfs, reused, unpackWarnings) = try cache.rootfs(for: image, options: unpackOptions)
            var made = try self.plan(rootfs: rootfs)
            made.warnings = unpackWarnings + made.warnings
            return try body(rootfs, reused, made)
        }
    }

    /// The plan for `rootfs`, the image unpacked.
    public func plan(rootfs: String) throws(RuntimeError) -> BundlePlan {
        let root = try RuntimeError.wrap { try ContainedRoot(path: rootfs) }
        return try SpecGenerator(config: image.config, root: root, deployment: deployment, node: node).plan()
    }

    /// A standalone bundle in `directory`, which must be absent or empty: mode 0700, a fresh
    /// `rootfs/` and `config.json`. On failure nothing Klein made is left behind.
    public func write(to directory: String) throws(RuntimeError) -> BundlePlan {
        var info = stat()
        let existed = stat(directory, &info) == 0
        if existed {
            guard (info.st_mode & S_IFMT) == S_IFDIR, (try? ContainedRoot(path: directory).names(inDirectory: "/"))?.isEmpty == true else {
                throw .deployment("\(directory) exists and is not an empty directory")
            }
        } else if mkdir(directory, 0o700) != 0 {
            throw .io(path: directory, operation: "create directory", errno: errno)
        }
        do throws(RuntimeError) {
            guard chmod(directory, 0o700) == 0 else { throw RuntimeError.io(path: directory, operation: "set the mode of", errno: errno) }
            let writer = BundleWriter(directory: directory)
            guard mkdir(writer.rootfs, 0o755) == 0 else { throw RuntimeError.io(path: writer.rootfs, operation: "create directory", errno: errno) }
            var warnings = try image.unpack(into: writer.rootfs, options: unpackOptions)
            var plan = try plan(rootfs: writer.rootfs)
            try writer.prepare(plan)
            try writer.writeConfig(plan.spec)
            warnings += plan.warnings
            plan.warnings = warnings
            return plan
        } catch {
            if existed, let root = try? ContainedRoot(path: directory) {
                for name in (try? root.names(inDirectory: "/")) ?? [] { try? root.removeEntry(name) }
            } else if !existed {
                RootfsCache.remove(directory)
            }
            throw error
        }
    }

    /// A bundle for running in `directory` (made by the caller, mode 0700): `rootfs/` is an overlay
    /// whose lower directory is the cached unpacked image, so a second run unpacks nothing; where an
    /// overlay cannot be mounted (no privilege, no overlayfs) the image is unpacked afresh. On failure
    /// the overlay is unmounted again.
    public func prepareRun(in directory: String, cache: RootfsCache) throws(RuntimeError) -> (plan: BundlePlan, overlay: Bool, reused: Bool) {
        let writer = BundleWriter(directory: directory)
        guard mkdir(writer.rootfs, 0o755) == 0 else { throw .io(path: writer.rootfs, operation: "create directory", errno: errno) }
        let (planned, reused, overlay) = try withCachedPlan(cache) { (lower, reused, made) throws(RuntimeError) in
            (made, reused, OverlayMount.mount(lower: lower, in: directory, at: writer.rootfs))
        }
        var plan = planned
        do throws(RuntimeError) {
            if !overlay {
                plan.warnings += try image.unpack(into: writer.rootfs, options: unpackOptions)
            }
            try writer.prepare(plan)
        } catch {
            // The caller removes the directory, which must not still be an overlay on the cache.
            if overlay { _ = OverlayMount.unmount(writer.rootfs) }
            throw error
        }
        return (plan, overlay, reused)
    }
}

/// An overlay file system over a cached root file system: what the container writes goes to
/// `<bundle>/upper`, the cache stays as unpacked.
enum OverlayMount {
    static func mount(lower: String, in bundle: String, at target: String) -> Bool {
        let upper = "\(bundle)/upper", work = "\(bundle)/work"
        // Overlay options are comma-separated and colons separate lower directories.
        guard ![lower, upper, work].contains(where: { $0.contains(",") || $0.contains(":") }),
              mkdir(upper, 0o755) == 0, mkdir(work, 0o700) == 0 else { return false }
        let options = "lowerdir=\(lower),upperdir=\(upper),workdir=\(work)"
        return Glibc.mount("overlay", target, "overlay", 0, options) == 0
    }

    /// True when nothing is mounted at `target` any more (or nothing is there at all).
    static func unmount(_ target: String) -> Bool {
        umount2(target, Int32(MNT_DETACH)) == 0 || errno == EINVAL || errno == ENOENT
    }
}
