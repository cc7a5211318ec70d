import KleinOCI
import KleinStore
import KleinSystem
import Synchronization

extension RegistryRepository {
    /// `HEAD` of the blob.
    public func hasBlob(_ descriptor: Descriptor) async throws(ClientError) -> Bool {
        try await client.blobSize(repository, digest: descriptor.digest) != nil
    }

    /// Mounts from another repository of the same registry (distribution-spec, "Mounting a blob from
    /// another repository").
    public func mountBlob(_ descriptor: Descriptor, from source: any ContentSource) async throws(ClientError) -> Bool {
        guard let origin = source as? RegistryRepository, origin.client.registry == client.registry, origin.repository != repository else {
            return false
        }
        return try await client.mount(repository, digest: descriptor.digest, from: origin.repository)
    }

    /// Uploads a local file (in chunks, resuming) or bytes; otherwise pipes the source's stream into the
    /// upload, verifying it on the way, and starts over when a transient failure interrupts it.
    public func writeBlob(_ descriptor: Descriptor, from source: any ContentSource, progress: ProgressHandler?) async throws(ClientError) {
        switch source.localBlob(descriptor.digest) {
        case let .file(path):
            let size = try RegistryClient.storeCall { () throws(StoreError) in
                guard let status = try StoreError.wrap({ () throws(SystemError) in try FileSystem.regularFileStatus(path) }) else { throw .blobNotFound(digest: descriptor.digest, store: "\(source)") }
                return Int64(status.st_size)
            }
            guard size == descriptor.size else {
                throw .verificationFailed(what: "blob \(descriptor.digest) at \(path)", error: .sizeMismatch(expected: descriptor.size, actual: size))
            }
            try await client.upload(repository, descriptor, fromFile: path, progress: progress)
        case let .bytes(bytes):
            try await client.upload(repository, descriptor, bytes: bytes)
            progress?(descriptor.size)
        case nil:
            try await stream(descriptor, from: source, progress: progress)
        }
    }

    private func stream(_ descriptor: Descriptor, from source: any ContentSource, progress: ProgressHandler?) async throws(ClientError) {
        let moved = Mutex<Int64>(0)
        let counted: ProgressHandler = { bytes in
            moved.withLock { $0 += bytes }
            progress?(bytes)
        }
        try await client.options.retry.repeating({ () async throws(ClientError) in
            let body = VerifyingBody(stream: try await source.blob(descriptor, from: 0), descriptor: descriptor,
                                     what: "blob \(source)@\(descriptor.digest)", progress: counted)
            try await client.upload(repository, descriptor, streaming: { .stream(body, length: .known(descriptor.size)) })
        }, beforeRetry: {
            progress?(-moved.withLock { value in defer { value = 0 }; return value })
        })
    }

    /// Puts the manifest under `tag` or its digest; a manifest already here is left alone unless it is
    /// the root. A manifest with a subject is recorded in the referrers tag schema when the registry
    /// does not process subjects itself (distribution-spec, "Pushing Manifests with Subject").
    @discardableResult
    public func putManifest(_ manifest: FetchedManifest, tag: String?, listed: Bool) async throws(ClientError) -> Bool {
        let descriptor = manifest.descriptor
        if !listed, try await client.manifestDescriptor(repository, reference: descriptor.digest.description) != nil { return false }
        let processed = try await client.putManifest(repository, reference: tag ?? descriptor.digest.description,
                                                     bytes: manifest.bytes, mediaType: descriptor.mediaType)
        if let subject = manifest.manifest.subject, !processed {
            var entry = descriptor
            entry.artifactType = manifest.manifest.artifactType
            entry.annotations = manifest.manifest.annotations
            try await client.addToReferrersTag(repository, subject: subject.digest, referrer: entry)
        }
        return false
    }
}
