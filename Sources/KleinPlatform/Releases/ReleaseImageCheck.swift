import KleinClient
import KleinOCI

/// What `klein release create` checks of an image against a platform manifest: each runnable
/// manifest (every platform of an index) has a config, the config and the manifest together give
/// a process to run, and the ports agree (a disagreement is a warning, not an error).
struct ReleaseImageCheck {
    let endpoint: any ContentSource
    let display: String
    let manifest: PlatformManifest

    /// The warnings; throws when an image cannot run.
    func check(_ root: FetchedManifest) async throws(PlatformError) -> [String] {
        var images: [(label: String, manifest: ImageManifest)] = []
        switch root.manifest {
        case let .image(image):
            images.append((display, image))
        case let .index(index):
            // Entries for no platform (`unknown/unknown`: attestations, build sources) are not run.
            for entry in index.manifests where entry.platform.map({ $0.os != "unknown" }) ?? true {
                let fetched = try await PlatformError.wrap("reading \(entry.digest) of \(display)") { try await endpoint.manifest(entry) }
                guard case let .image(image) = fetched.manifest else { continue }  // nested indexes are not runnable themselves
                images.append(("\(display) (\(entry.platform?.description ?? entry.digest.description))", image))
            }
            guard !images.isEmpty else { throw .release("\(display) is an index with no runnable image manifest") }
        }
        var warnings: [String] = []
        for (label, image) in images {
            warnings += try await check(image, label: label)
        }
        return warnings
    }

    private func check(_ image: ImageManifest, label: String) async throws(PlatformError) -> [String] {
        guard image.config.mediaType.isImageConfig else {
            throw .release("\(label) is not a runnable image: its config is \(image.config.mediaType), not an image configuration")
        }
        let bytes = try await PlatformError.wrap("reading the config of \(label)") { try await endpoint.smallBlob(image.config) }
        let config = try PlatformError.wrap("reading the config of \(label)") { try ImageConfiguration(jsonBytes: bytes) }
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
