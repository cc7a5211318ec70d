/// Pre-defined annotation keys (image-spec annotations.md).
public enum AnnotationKey {
    /// `org.opencontainers.image.created`: RFC 3339 time the image was built.
    public static let created = "org.opencontainers.image.created"
    /// `org.opencontainers.image.authors`: who is responsible for the image.
    public static let authors = "org.opencontainers.image.authors"
    /// `org.opencontainers.image.url`: where to find more about the image.
    public static let url = "org.opencontainers.image.url"
    /// `org.opencontainers.image.documentation`: the image's documentation.
    public static let documentation = "org.opencontainers.image.documentation"
    /// `org.opencontainers.image.source`: the source the image was built from.
    public static let source = "org.opencontainers.image.source"
    /// `org.opencontainers.image.version`: the version of what is packaged.
    public static let version = "org.opencontainers.image.version"
    /// `org.opencontainers.image.revision`: the source revision.
    public static let revision = "org.opencontainers.image.revision"
    /// `org.opencontainers.image.vendor`: who distributes the image.
    public static let vendor = "org.opencontainers.image.vendor"
    /// `org.opencontainers.image.licenses`: an SPDX license expression.
    public static let licenses = "org.opencontainers.image.licenses"
    /// The name of a reference in an image layout's `index.json` (image-layout.md).
    public static let refName = "org.opencontainers.image.ref.name"
    /// `org.opencontainers.image.title`: a human-readable title; for an artifact layer, its file name.
    public static let title = "org.opencontainers.image.title"
    /// `org.opencontainers.image.description`: a human-readable description.
    public static let description = "org.opencontainers.image.description"
    /// `org.opencontainers.image.base.digest`: the digest of the base image.
    public static let baseImageDigest = "org.opencontainers.image.base.digest"
    /// `org.opencontainers.image.base.name`: the reference of the base image.
    public static let baseImageName = "org.opencontainers.image.base.name"
}
