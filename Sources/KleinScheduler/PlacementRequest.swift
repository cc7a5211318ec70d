import KleinOCI

/// What to place: `replicas` more replicas of an app, each needing `resources` (and `gpuCount` GPUs
/// of `gpuKind`), of an image that runs on `platforms` and whose layers are `layers`.
public struct PlacementRequest: Sendable, Hashable {
    /// The app.
    public var app: String
    /// How many replicas to place now.
    public var replicas: Int
    /// What each replica needs.
    public var resources: Resources
    /// The GPU kind each replica needs, when `gpuCount` > 0.
    public var gpuKind: String
    /// How many GPUs of `gpuKind` each replica needs.
    public var gpuCount: Int
    /// The platforms the release's image has a runnable manifest for (one for a single manifest).
    public var platforms: [Platform]
    /// The image's layers with their sizes, for every platform: locality counts those a node holds.
    public var layers: [Digest: Int64]

    /// A request for `replicas` replicas of `app`.
    public init(app: String, replicas: Int, resources: Resources, gpuKind: String = "", gpuCount: Int = 0,
                platforms: [Platform], layers: [Digest: Int64] = [:]) {
        self.app = app
        self.replicas = replicas
        self.resources = resources
        self.gpuKind = gpuKind
        self.gpuCount = gpuCount
        self.platforms = platforms
        self.layers = layers
    }
}
