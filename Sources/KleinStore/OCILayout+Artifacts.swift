import KleinOCI

extension OCILayout {
    /// A local file to store as one layer of an artifact.
    public struct ArtifactFile: Sendable {
        public var path: String
        public var mediaType: MediaType
        /// The `org.opencontainers.image.title` annotation: the name the file is restored under.
        public var title: String

        public init(path: String, mediaType: MediaType, title: String? = nil) {
            self.path = path
            self.mediaType = mediaType
            self.title = title ?? String(path.split(separator: "/").last ?? Substring(path))
        }
    }

    /// Stores files as an artifact manifest (image-spec manifest.md, "Guidelines for Artifact Usage"):
    /// each file a layer titled by its name, `config` the given file or the empty descriptor, and
    /// `artifactType` (required with the empty config). Lists it in `index.json` under `name`.
    /// Everything is checked before anything is written; `index.json` changes only once all blobs are stored.
    public func importArtifact(
        files: [ArtifactFile], artifactType: MediaType?, config: ArtifactFile? = nil,
        annotations: [String: String]? = nil, subject: Digest? = nil, name: String?
    ) throws -> Descriptor {
        if let name { try Self.validateRefName(name) }
        if config == nil && artifactType == nil {
            throw StoreError.invalidContent(what: "artifact", error: .invalidDocument(
                kind: "image manifest", path: "artifactType", reason: "required when there is no config file (the config is then empty)"))
        }
        var titles = Set<String>()
        for file in files where !titles.insert(file.title).inserted {
            throw StoreError.invalidContent(what: file.path, error: .invalidDocument(
                kind: "artifact", path: "layers", reason: "two files are titled \"\(file.title)\""))
        }
        for file in files + [config].compactMap({ $0 }) where try FileSystem.regularFileStatus(file.path) == nil {
            throw StoreError.io(path: file.path, operation: "read", errno: ENOENT)
        }
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
            let descriptor = Descriptor(mediaType: .ociManifest, digest: digest, size: Int64(bytes.count),
                                        artifactType: artifactType ?? configDescriptor.mediaType)
            try addEntry(descriptor, name: name)
            return descriptor
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
