import KleinOCI

/// What a release checks of an image against a platform manifest: each runnable manifest (every
/// platform of an index) has a config, the config and the manifest together give a process to run,
/// and the ports agree (a disagreement is a warning, not an error).
///
/// A pure check over content already fetched, so the CLI and a control plane run it identically:
/// the caller resolves the image, fetches the manifests `runnableEntries(of:)` names and each
/// image's `config(of:label:)`, and hands them in.
public struct ReleaseImageCheck: Sendable {
    /// How errors and warnings name the image (its reference as given).
    public let display: String
    /// The platform manifest the image is released with.
    public let manifest: PlatformManifest

    /// A check of the image shown as `display` against `manifest`.
    public init(display: String, manifest: PlatformManifest) {
        self.display = display
        self.manifest = manifest
    }

    /// The entries of an index that are run: all but those for no platform (`unknown/unknown`:
    /// attestations, build sources).
    public static func runnableEntries(of index: ImageIndex) -> [Descriptor] {
        index.manifests.filter { entry in entry.platform.map { $0.os != "unknown" } ?? true }
    }

    /// How errors and warnings name an image of an index: the image and the entry's platform.
    public func label(of entry: Descriptor) -> String {
        "\(display) (\(entry.platform?.description ?? entry.digest.description))"
    }

    /// Throws unless an index had at least one runnable image manifest (nested indexes are not
    /// runnable themselves); `images` counts those fetched.
    public func requireRunnable(images: Int) throws(PlatformError) {
        guard images > 0 else { throw .release("\(display) is an index with no runnable image manifest") }
    }

    /// The config to fetch for `image`; throws when the image is not runnable (an artifact).
    public func config(of image: ImageManifest, label: String) throws(PlatformError) -> Descriptor {
        guard image.config.mediaType.isImageConfig else {
            throw .release("\(label) is not a runnable image: its config is \(image.config.mediaType), not an image configuration")
        }
        return image.config
    }

    /// The warnings for one image, given its config; throws when the image and the manifest give
    /// no process to run.
    public func check(_ config: ImageConfiguration, label: String) throws(PlatformError) -> [String] {
        let process = manifest.process
        let execution = config.config
        // image-spec config.md: Entrypoint then Cmd. Replacing the entrypoint drops the image's Cmd, as `docker run --entrypoint` does.
        let arguments = process.entrypoint.map { $0 + (process.cmd ?? []) }
            ?? (execution?.entrypoint ?? []) + (process.cmd ?? execution?.cmd ?? [])
        guard !arguments.isEmpty else {
            throw .release("""
                \(label) has no process to run: the image sets neither Entrypoint nor Cmd, and the platform manifest sets \
                neither process.entrypoint nor process.cmd; set one of them
                """)
        }
        let exposed = Set((execution?.exposedPorts ?? [:]).keys.map { $0.contains("/") ? $0 : "\($0)/tcp" })
        let declared = Set(manifest.ports.map { "\($0.port)/\($0.transport)" })
        var warnings: [String] = []
        for port in exposed.subtracting(declared).sorted() {
            warnings.append("\(label) exposes \(port), which the platform manifest declares in no [[ports]]")
        }
        for port in declared.subtracting(exposed).sorted() where !exposed.isEmpty {
            warnings.append("the platform manifest declares \(port), which \(label) does not expose")
        }
        if exposed.isEmpty, !declared.isEmpty {
            warnings.append("\(label) exposes no ports; the platform manifest declares \(declared.sorted().joined(separator: ", "))")
        }
        return warnings
    }
}
