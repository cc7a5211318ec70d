import KleinClient
import KleinOCI
import KleinPlatform

extension ReleaseCreate {
    /// Resolves `--image` once: a tag becomes the digest it names now, and everything after uses
    /// only that digest. Fetches what `ReleaseImageCheck` needs, one image at a time, and returns the
    /// release and the check's warnings.
    static func prepare(image endpoint: any ContentSource, reference: String, display: String,
                        manifest: PlatformManifest, source: [UInt8]) async throws(ReleaseImageError) -> (release: Release, warnings: [String]) {
        let root = try await ReleaseImageError.wrap("resolving the image \(display)") { try await endpoint.resolve(reference) }
        let check = ReleaseImageCheck(display: display, manifest: manifest)
        var images: [(label: String, manifest: ImageManifest)] = []
        switch root.manifest {
        case let .image(image):
            images.append((display, image))
        case let .index(index):
            for entry in ReleaseImageCheck.runnableEntries(of: index) {
                let fetched = try await ReleaseImageError.wrap("reading \(entry.digest) of \(display)") { try await endpoint.manifest(entry) }
                guard case let .image(image) = fetched.manifest else { continue }
                images.append((check.label(of: entry), image))
            }
            try ReleaseImageError.wrap("checking \(display)") { try check.requireRunnable(images: images.count) }
        }
        var warnings: [String] = []
        for (label, image) in images {
            let descriptor = try ReleaseImageError.wrap("checking \(label)") { try check.config(of: image, label: label) }
            let bytes = try await ReleaseImageError.wrap("reading the config of \(label)") { try await endpoint.smallBlob(descriptor) }
            let config = try ReleaseImageError.wrap("reading the config of \(label)") { try ImageConfiguration(jsonBytes: bytes) }
            warnings += try ReleaseImageError.wrap("checking \(label)") { try check.check(config, label: label) }
        }
        let release = Release(app: manifest.app, imageReference: display, image: root.descriptor, manifest: manifest.canonicalJSON,
                              manifestSource: String(decoding: source, as: UTF8.self))
        return (release, warnings)
    }
}
