import KleinOCI
import KleinStore

extension BlobStore {
    /// Writes `stream` as the blob `descriptor` names, verified (digest and size) before it becomes
    /// visible; `source` names where the bytes came from in errors.
    func write(_ stream: BlobStream, expecting descriptor: Descriptor, from source: String, progress: ProgressHandler?) async throws(ClientError) {
        let writer = try RegistryClient.storeCall { () throws(StoreError) in try self.writer(expecting: descriptor.digest, size: descriptor.size) }
        do {
            for try await buffer in stream {
                try buffer.withUnsafeReadableBytes { bytes throws(StoreError) in try writer.write(bytes) }
                progress?(Int64(buffer.readableBytes))
            }
        } catch {
            throw ClientError.reading(source, error)
        }
        _ = try RegistryClient.storeCall { () throws(StoreError) in try writer.commit() }
    }
}
