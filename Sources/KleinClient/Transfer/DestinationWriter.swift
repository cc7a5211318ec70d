import KleinOCI
import KleinStore
import Synchronization

/// Writes a copy's blobs and manifests into its destination, remembering what it added to a layout so a
/// failed copy can take it back out.
final class DestinationWriter: Sendable {
    let destination: ContentEndpoint
    let source: ContentEndpoint
    let observer: TransferObserver?
    private let added = Mutex<[Digest]>([])

    init(destination: ContentEndpoint, source: ContentEndpoint, observer: TransferObserver?) {
        self.destination = destination
        self.source = source
        self.observer = observer
    }

    /// Copies `blobs`, at most `parallel` at a time.
    func copyBlobs(_ blobs: [Descriptor], parallel: Int) async throws(ClientError) {
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var pending = blobs.makeIterator()
                for _ in 0..<max(1, parallel) {
                    guard let blob = pending.next() else { break }
                    group.addTask { try await self.copyBlob(blob) }
                }
                while try await group.next() != nil {
                    if let blob = pending.next() { group.addTask { try await self.copyBlob(blob) } }
                }
            }
        } catch let error as ClientError {
            throw error
        } catch {
            throw .invalidRequest("copy cancelled: \(error)")
        }
    }

    private func copyBlob(_ blob: Descriptor) async throws(ClientError) {
        observer?(.blobStarted(blob))
        var progress: ProgressHandler?
        if let observer {
            progress = { bytes in observer(.blobProgress(blob.digest, bytes: bytes)) }
        }
        let outcome: BlobOutcome
        switch destination {
        case let .layout(layout):
            outcome = try await copyBlob(blob, into: layout, progress: progress)
        case let .registry(client, repository):
            outcome = try await copyBlob(blob, into: client, repository: repository, progress: progress)
        case .staged:
            throw .invalidRequest("local files cannot be a copy's destination")
        }
        observer?(.blobFinished(blob, outcome))
    }

    private func copyBlob(_ blob: Descriptor, into layout: OCILayout, progress: ProgressHandler?) async throws(ClientError) -> BlobOutcome {
        if (try? layout.blobs.size(of: blob.digest)) == blob.size { return .existed }
        switch source {
        case let .registry(client, repository):
            try await client.download(repository, blob, into: layout.blobs, progress: progress)
        case .layout, .staged:
            try RegistryClient.storeCall { () throws(StoreError) in
                switch source.localBlob(blob.digest) {
                case let .file(path):
                    try layout.blobs.write(contentsOf: path, expecting: blob.digest, size: blob.size)
                case let .bytes(bytes):
                    try layout.blobs.write(bytes, expecting: blob.digest)
                case nil:
                    throw .blobNotFound(digest: blob.digest, store: "\(source)")
                }
            }
            progress?(blob.size)
        }
        added.withLock { $0.append(blob.digest) }
        return .copied
    }

    private func copyBlob(_ blob: Descriptor, into client: RegistryClient, repository: String, progress: ProgressHandler?) async throws(ClientError) -> BlobOutcome {
        if try await client.blobSize(repository, digest: blob.digest) != nil { return .existed }
        switch source {
        case .layout, .staged:
            switch source.localBlob(blob.digest) {
            case let .file(path):
                let size = try RegistryClient.storeCall { () throws(StoreError) in
                    guard let status = try FileSystem.regularFileStatus(path) else { throw .blobNotFound(digest: blob.digest, store: "\(source)") }
                    return Int64(status.st_size)
                }
                guard size == blob.size else {
                    throw .verificationFailed(what: "blob \(blob.digest) at \(path)", error: .sizeMismatch(expected: blob.size, actual: size))
                }
                try await client.upload(repository, blob, fromFile: path, progress: progress)
            case let .bytes(bytes):
                try await client.upload(repository, blob, bytes: bytes)
                progress?(blob.size)
            case nil:
                throw .store(.blobNotFound(digest: blob.digest, store: "\(source)"))
            }
        case let .registry(from, fromRepository):
            if from.registry == client.registry, fromRepository != repository,
               try await client.mount(repository, digest: blob.digest, from: fromRepository) {
                return .mounted
            }
            try await stream(blob, from: from, fromRepository, to: client, repository, progress: progress)
        }
        return .copied
    }

    /// Pipes a blob from one registry into another, verifying it on the way; a failure starts it over.
    private func stream(_ blob: Descriptor, from: RegistryClient, _ fromRepository: String, to client: RegistryClient, _ repository: String,
                        progress: ProgressHandler?) async throws(ClientError) {
        let moved = Mutex<Int64>(0)
        let counted: ProgressHandler = { bytes in
            moved.withLock { $0 += bytes }
            progress?(bytes)
        }
        try await client.options.retry.repeating({ () async throws(ClientError) in
            let response = try await from.blobResponse(fromRepository, digest: blob.digest, offset: 0)
            let body = VerifyingBody(body: response.body, descriptor: blob, what: "blob \(from.registry)/\(fromRepository)@\(blob.digest)", progress: counted)
            try await client.upload(repository, blob, streaming: { .stream(body, length: .known(blob.size)) })
        }, beforeRetry: {
            progress?(-moved.withLock { value in defer { value = 0 }; return value })
        })
    }

    /// Writes one manifest: `tag` names the root (nil writes it by digest); `listed` puts the root in a
    /// layout's `index.json`. A manifest with a subject is recorded in the referrers tag schema when the
    /// registry does not process subjects itself.
    func writeManifest(_ manifest: FetchedManifest, tag: String?, listed: Bool) async throws(ClientError) {
        let descriptor = manifest.descriptor
        switch destination {
        case let .layout(layout):
            try RegistryClient.storeCall { () throws(StoreError) in
                if !layout.blobs.exists(descriptor.digest) {
                    try layout.blobs.write(manifest.bytes, expecting: descriptor.digest)
                    added.withLock { $0.append(descriptor.digest) }
                }
                if listed { try layout.addEntry(descriptor, name: tag) }
            }
        case let .registry(client, repository):
            if !listed, try await client.manifestDescriptor(repository, reference: descriptor.digest.description) != nil { break }
            let processed = try await client.putManifest(repository, reference: tag ?? descriptor.digest.description,
                                                         bytes: manifest.bytes, mediaType: descriptor.mediaType)
            if let subject = manifest.manifest.subject, !processed {
                var entry = descriptor
                entry.artifactType = manifest.manifest.artifactType
                entry.annotations = manifest.manifest.annotations
                try await client.addToReferrersTag(repository, subject: subject.digest, referrer: entry)
            }
        case .staged:
            throw .invalidRequest("local files cannot be a copy's destination")
        }
        observer?(.manifestWritten(descriptor, reference: tag))
    }

    /// Removes what this copy added to a layout (nothing it added is referenced yet).
    func rollBack() {
        guard case let .layout(layout) = destination else { return }
        for digest in added.withLock({ $0 }) { try? layout.blobs.delete(digest) }
    }
}
