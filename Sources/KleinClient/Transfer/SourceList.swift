import KleinOCI
import KleinStore
import NIOCore
import Synchronization

/// Sources tried in order, itself a source: a peer first, then the registry, say.
///
/// A manifest comes from the first source that has it. A blob cut off by one source resumes from the
/// next at the byte it reached, and every byte is still verified: digest and size over the whole blob.
/// When the whole blob does not verify, every source that sent part of it is dropped for that blob and
/// the blob starts over from the sources left.
public final class SourceList: ContentSource {
    /// The sources, most preferred first.
    public let sources: [any ContentSource]
    /// By blob, the positions in `sources` whose bytes did not verify.
    private let refused = Mutex<[Digest: Set<Int>]>([:])

    /// A list of `sources`, most preferred first.
    public init(_ sources: [any ContentSource]) {
        self.sources = sources
    }

    /// The sources in order: `a, then b`.
    public var description: String { sources.map(\.description).joined(separator: ", then ") }

    /// From the first source that resolves `reference`.
    public func resolve(_ reference: String) async throws(ClientError) -> FetchedManifest {
        try await first { (source: any ContentSource) async throws(ClientError) -> FetchedManifest in try await source.resolve(reference) }
    }

    /// From the first source that has the manifest.
    public func manifest(_ descriptor: Descriptor) async throws(ClientError) -> FetchedManifest {
        try await first { (source: any ContentSource) async throws(ClientError) -> FetchedManifest in try await source.manifest(descriptor) }
    }

    /// From the first source that answers.
    public func referrers(of digest: Digest) async throws(ClientError) -> [Descriptor] {
        try await first { (source: any ContentSource) async throws(ClientError) -> [Descriptor] in try await source.referrers(of: digest) }
    }

    /// The blob from the sources not yet refused for it. From offset 0 the stream verifies the whole
    /// blob and ends with an error instead of its end when it does not match (a reader that starts
    /// later verifies what it already holds together with the rest).
    public func blob(_ descriptor: Descriptor, from offset: Int64) async throws(ClientError) -> BlobStream {
        BlobStream(Resuming(list: self, descriptor: descriptor, offset: offset))
    }

    /// Downloads the blob, starting over from the sources left when one sent bytes that do not verify.
    /// Each new start has fewer sources, so it ends.
    public func download(_ descriptor: Descriptor, into store: BlobStore, progress: ProgressHandler?) async throws(ClientError) {
        while true {
            let sourcesLeft = candidates(for: descriptor.digest).count
            let moved = Mutex<Int64>(0)
            let counted: ProgressHandler = { bytes in
                moved.withLock { $0 += bytes }
                progress?(bytes)
            }
            do throws(ClientError) {
                return try await store.write(try await blob(descriptor, from: 0), expecting: descriptor, from: description, progress: counted)
            } catch {
                let left = candidates(for: descriptor.digest).count
                guard case .verificationFailed = error, left > 0, left < sourcesLeft else { throw error }
                progress?(-moved.withLock { $0 })
            }
        }
    }

    /// Positions of the sources not refused for `digest`, in order.
    func candidates(for digest: Digest) -> [Int] {
        let refused = refused.withLock { $0[digest] ?? [] }
        return sources.indices.filter { !refused.contains($0) }
    }

    func refuse(_ positions: Set<Int>, for digest: Digest) {
        refused.withLock { $0[digest, default: []].formUnion(positions) }
    }

    /// The first answer of the sources in order; when none answers, the first source's error.
    private func first<T>(_ body: (any ContentSource) async throws(ClientError) -> T) async throws(ClientError) -> T {
        var failure: ClientError?
        for source in sources {
            do throws(ClientError) {
                return try await body(source)
            } catch {
                if failure == nil { failure = error }
            }
        }
        throw failure ?? .invalidRequest("an empty list of sources has no content")
    }

    /// One pass over the sources for one blob, resuming each at the byte the last one reached.
    private struct Resuming: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let list: SourceList
        let descriptor: Descriptor
        let offset: Int64

        func makeAsyncIterator() -> Iterator {
            Iterator(list: list, descriptor: descriptor, position: offset, pending: list.candidates(for: descriptor.digest)[...],
                     hasher: offset == 0 ? VerifyingHasher(expectedDigest: descriptor.digest, expectedSize: descriptor.size) : nil)
        }

        struct Iterator: AsyncIteratorProtocol {
            let list: SourceList
            let descriptor: Descriptor
            var position: Int64
            var pending: ArraySlice<Int>
            var hasher: VerifyingHasher?
            var current: (position: Int, iterator: BlobStream.AsyncIterator)?
            var contributors = Set<Int>()
            var lastFailure: ClientError?
            var finished = false

            mutating func next() async throws -> ByteBuffer? {
                while !finished {
                    guard let reading = current else {
                        if position == descriptor.size { return try finish() }
                        try await open()
                        continue
                    }
                    let source = reading.position
                    var inner = reading.iterator
                    let buffer: ByteBuffer?
                    do {
                        buffer = try await inner.next()
                    } catch {
                        let failure = ClientError.reading(list.sources[source].description, error)
                        // A cancelled copy stops; any other failure cuts this source off, and the next resumes at `position`.
                        if case .cancelled = failure {
                            finished = true
                            throw failure
                        }
                        lastFailure = failure
                        current = nil
                        continue
                    }
                    guard let buffer else {
                        current = nil
                        if position < descriptor.size {
                            lastFailure = .verificationFailed(what: "blob \(list.sources[source])@\(descriptor.digest)",
                                                              error: .sizeMismatch(expected: descriptor.size, actual: position))
                        }
                        continue
                    }
                    current = (source, inner)
                    contributors.insert(source)
                    let end = position + Int64(buffer.readableBytes)
                    do throws(OCIError) {
                        if var verifying = hasher {
                            try buffer.withUnsafeReadableBytes { bytes throws(OCIError) in try verifying.update(bytes) }
                            hasher = verifying
                        } else if end > descriptor.size {
                            throw .sizeMismatch(expected: descriptor.size, actual: end)
                        }
                    } catch {
                        throw refuse(error)
                    }
                    position = end
                    return buffer
                }
                return nil
            }

            /// Opens the next source not refused at `position`.
            private mutating func open() async throws(ClientError) {
                guard let source = pending.popFirst() else {
                    throw lastFailure ?? .notFound(what: "blob \(descriptor.digest) in \(list)")
                }
                do throws(ClientError) {
                    current = (source, try await list.sources[source].blob(descriptor, from: position).makeAsyncIterator())
                } catch {
                    lastFailure = error
                }
            }

            /// The whole blob has arrived: it must verify.
            private mutating func finish() throws(ClientError) -> ByteBuffer? {
                finished = true
                do {
                    _ = try hasher?.verify()
                } catch {
                    throw refuse(error)
                }
                return nil
            }

            /// Drops the sources that sent this blob's bytes; they are not asked for it again.
            private mutating func refuse(_ error: OCIError) -> ClientError {
                finished = true
                list.refuse(contributors, for: descriptor.digest)
                let senders = contributors.sorted().map { list.sources[$0].description }.joined(separator: ", ")
                return .verificationFailed(what: "blob \(descriptor.digest) from \(senders)", error: error)
            }
        }
    }
}
