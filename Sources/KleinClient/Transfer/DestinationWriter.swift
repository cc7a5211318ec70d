import KleinOCI
import Synchronization

/// Writes a copy's blobs and manifests into its destination, remembering what it added so a failed
/// copy can take it back out.
final class DestinationWriter: Sendable {
    let destination: any ContentDestination
    let source: any ContentSource
    let observer: TransferObserver?
    private let added = Mutex<[Digest]>([])

    init(destination: any ContentDestination, source: any ContentSource, observer: TransferObserver?) {
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
            // The group's tasks throw only ClientError: anything else is the group's cancellation.
            throw .cancelled
        }
    }

    /// Skips a blob the destination has, mounts it when the destination can, copies it otherwise.
    private func copyBlob(_ blob: Descriptor) async throws(ClientError) {
        observer?(.blobStarted(blob))
        var progress: ProgressHandler?
        if let observer {
            progress = { bytes in observer(.blobProgress(blob.digest, bytes: bytes)) }
        }
        let outcome: BlobOutcome
        if try await destination.hasBlob(blob) {
            outcome = .existed
        } else if try await destination.mountBlob(blob, from: source) {
            outcome = .mounted
        } else {
            try await destination.writeBlob(blob, from: source, progress: progress)
            added.withLock { $0.append(blob.digest) }
            outcome = .copied
        }
        observer?(.blobFinished(blob, outcome))
    }

    /// Writes one manifest: `tag` names the root (nil writes it by digest); `listed` marks the root.
    func writeManifest(_ manifest: FetchedManifest, tag: String?, listed: Bool) async throws(ClientError) {
        if try await destination.putManifest(manifest, tag: tag, listed: listed) {
            added.withLock { $0.append(manifest.descriptor.digest) }
        }
        observer?(.manifestWritten(manifest.descriptor, reference: tag))
    }

    /// Takes back what this copy added.
    func rollBack() {
        destination.removeAfterFailedCopy(added.withLock { $0 })
    }
}
