import KleinOCI
import KleinPlatform

/// What stage 2 runs: an image and the deployment settings applied to it — either an image with ad-hoc
/// settings, or a release, whose image is pinned by digest and whose settings are its own manifest's.
public struct Workload: Sendable {
    /// The image.
    public var image: ImageTarget
    /// The settings applied on top of the image's config.
    public var deployment: Deployment

    /// An image with these settings.
    public init(image: ImageTarget, deployment: Deployment = Deployment()) {
        self.image = image
        self.deployment = deployment
    }

    /// `release`, its image read from `origin` (where the release's image reference points) by the
    /// digest the release recorded, with the settings of the manifest the release carries.
    public init(release: Release, origin: ImageTarget.Origin) throws(RuntimeError) {
        var deployment: Deployment
        do { deployment = try release.platformManifest().deployment } catch { throw .platform(error) }
        deployment.release = release.id
        self.init(image: ImageTarget(origin: origin, name: .pinned(release.image)), deployment: deployment)
    }
}
