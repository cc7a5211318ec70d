import KleinOCI
import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

extension OCILayout {
    /// A local file to store as one layer of an artifact.
    public struct ArtifactFile: Sendable {
        /// The file to store.
        public var path: String
        /// The layer's media type.
        public var mediaType: MediaType
        /// The `org.opencontainers.image.title` annotation: the name the file is restored under.
        public var title: String

        /// The file at `path` as a layer of `mediaType`, titled `title` or else the file's name.
        public init(path: String, mediaType: MediaType, title: String? = nil) {
            self.path = path
            self.mediaType = mediaType
            self.title = title ?? String(path.split(separator: "/").last ?? Substring(path))
        }
    }

    /// Stores files as an artifact manifest (image-spec manifest.md, "Guidelines for Artifact Usage"):
    /// each file a layer titled by its name, `config` the given file or the empty descriptor, and
    /// `artifactType` (required with the empty config). Lists it in `index.json` under `name`; an unnamed
    /// artifact with a `subject` is not listed, since it is reachable as a referrer of its subject.
    /// Everything is checked before anything is written; `index.json` changes only once all blobs are stored.
    public func importArtifact(
        files: [ArtifactFile], artifactType: MediaType?, config: ArtifactFile? = nil,
        annotations: [String: String]? = nil, subject: Digest? = nil, name: String?
    ) throws -> Descriptor {
        try Self.validateArtifact(files: files, artifactType: artifactType, config: config, name: name)
        let subjectDescriptor = try subject.map { (digest) throws(StoreError) in try resolve(digest.description) }

        return try withWriteAccess {
            let layers = try files.map { file in
                let stored = try blobs.write(contentsOf: file.path)
                return Descriptor(mediaType: file.mediaType, digest: stored.digest, size: stored.size,
                                  annotations: [AnnotationKey.title: file.title])
            }
            let configDescriptor = try config.map { file in
                let stored = try blobs.write(contentsOf: file.path)
                return Descriptor(mediaType: file.mediaType, digest: stored.digest, size: stored.size)
            } ?? .empty
            if configDescriptor == .empty { try blobs.write(Array("{}".utf8)) }
            var subjectEntry = subjectDescriptor
            subjectEntry?.annotations = nil
            let manifest = ImageManifest(
                artifactType: artifactType, config: configDescriptor, layers: layers,
                subject: subjectEntry, annotations: annotations?.isEmpty == false ? annotations : nil)
            let bytes = manifest.canonicalJSON
            let digest = try blobs.write(bytes)
            let isImage = artifactType == nil && configDescriptor.mediaType.isImageConfig
            let descriptor = Descriptor(mediaType: .ociManifest, digest: digest, size: Int64(bytes.count),
                                        artifactType: isImage ? nil : manifest.effectiveArtifactType)
            // An unnamed referrer stays reachable through its subject; anything else unnamed needs an entry.
            if name != nil || subjectEntry == nil { try addEntry(descriptor, name: name) }
            return descriptor
        }
    }
}

extension OCILayout {
    /// Checks an artifact's inputs without touching any layout, so callers can validate before creating one.
    package static func validateArtifact(files: [ArtifactFile], artifactType: MediaType?, config: ArtifactFile?, name: String?) throws {
        if let name { try Self.validateRefName(name) }
        if config == nil && artifactType == nil {
            throw StoreError.invalidContent(what: "artifact", error: .invalidDocument(
                kind: "image manifest", path: "artifactType", reason: "required when there is no config file (the config is then empty)"))
        }
        var titles = Set<[UInt8]>()  // file names: bytes, not canonically equivalent text
        for file in files where !titles.insert(Array(file.title.utf8)).inserted {
            throw StoreError.invalidContent(what: file.path, error: .invalidDocument(
                kind: "artifact", path: "layers", reason: "two files are titled \"\(file.title)\""))
        }
        for file in files + [config].compactMap({ $0 }) where try StoreError.wrap({ () throws(SystemError) in try FileSystem.regularFileStatus(file.path) }) == nil {
            throw StoreError.system(SystemError(operation: "read", path: file.path, errno: ENOENT))
        }
        if let config, config.mediaType.isImageConfig { try checkImageConfig(config, layerCount: files.count) }
    }

    /// An image config must parse and list one diff_id per layer (config.md, "rootfs").
    static func checkImageConfig(_ file: ArtifactFile, layerCount: Int) throws {
        let bytes = try readFile(file.path, limit: 16 << 20)
        let config: ImageConfiguration
        do { config = try ImageConfiguration(jsonBytes: bytes) } catch { throw StoreError.invalidContent(what: file.path, error: error) }
        guard config.rootfs.diffIDs.count == layerCount else {
            throw StoreError.invalidContent(what: file.path, error: .invalidDocument(
                kind: "image configuration", path: "rootfs.diff_ids",
                reason: "lists \(config.rootfs.diffIDs.count) layers but \(layerCount) layer files were given"))
        }
    }
}
