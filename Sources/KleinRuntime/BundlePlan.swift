import KleinOCI

/// What a bundle will be: its `config.json` and what must exist on disk before the runtime starts.
/// Making a plan reads the image's root file system and the node, and changes nothing; `BundleWriter`
/// carries the preparations out.
public struct BundlePlan: Sendable {
    /// The bundle's `config.json`.
    public var spec: RuntimeSpec
    /// What must exist on disk before the runtime starts, in order.
    public var preparations: [Preparation]
    /// What was left out or changed, with the reason (dropped labels, skipped image volumes, …).
    public var warnings: [String]

    /// One thing to create before the runtime starts.
    public enum Preparation: Sendable, Hashable {
        /// A directory in the root file system for a mount or the working directory.
        case directory(path: String)
        /// A fresh directory in the bundle for an image volume, with the owner and mode of the image's
        /// own directory there (or root's 0755).
        case anonymousVolume(source: String, uid: UInt32, gid: UInt32, permissions: UInt32)
        /// A named volume's directory on the node, created when missing and then owned by the
        /// container's user, so the process can write to it.
        case namedVolume(hostPath: String, uid: UInt32, gid: UInt32)
        /// The files of a node's secret bundle, copied into the bundle with this mode and owner.
        case secret(hostPath: String, source: String, mode: UInt32, uid: UInt32, gid: UInt32)
    }
}
