import Foundation
import KleinOCI
import KleinStore
import NIOCore
import Synchronization
import Testing
@testable import KleinClient

/// A source list resumes a cut-off blob from the next source at the byte reached, verifies the whole
/// blob, and drops a source whose bytes do not verify before trying the next.
@Suite struct SourceListTests {
    static let bytes: [UInt8] = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
    static let descriptor = Descriptor(mediaType: .ociLayerGzip, bytes: bytes)

    @Test func blobCutOffByOneSourceResumesFromTheNextAtTheOffset() async throws {
        let dying = ScriptedSource("dying", serving: Self.bytes, cutOffAt: 70_000)
        let honest = ScriptedSource("honest", serving: Self.bytes)
        try await inTemporaryLayout { layout in
            try await SourceList([dying, honest]).download(Self.descriptor, into: layout.blobs, progress: nil)
            #expect(try layout.blobs.read(Self.descriptor.digest) == Self.bytes)
        }
        #expect(dying.offsets == [0])
        #expect(honest.offsets == [70_000])
    }

    @Test func streamedBlobResumesAndIsVerifiedOverTheWholeBlob() async throws {
        let dying = ScriptedSource("dying", serving: Self.bytes, cutOffAt: 1)
        let honest = ScriptedSource("honest", serving: Self.bytes)
        var received: [UInt8] = []
        for try await buffer in try await SourceList([dying, honest]).blob(Self.descriptor, from: 0) {
            received += buffer.readableBytesView
        }
        #expect(received == Self.bytes)
        #expect(honest.offsets == [1])
    }

    @Test func lyingSourceIsRejectedAndTheNextTried() async throws {
        var forged = Self.bytes
        forged[123_456] ^= 0xFF
        let liar = ScriptedSource("liar", serving: forged)
        let honest = ScriptedSource("honest", serving: Self.bytes)
        let list = SourceList([liar, honest])
        try await inTemporaryLayout { layout in
            try await list.download(Self.descriptor, into: layout.blobs, progress: nil)
            #expect(try layout.blobs.read(Self.descriptor.digest) == Self.bytes)
            // The liar is not asked for this blob again.
            try layout.blobs.delete(Self.descriptor.digest)
            try await list.download(Self.descriptor, into: layout.blobs, progress: nil)
        }
        #expect(liar.offsets == [0])
        #expect(honest.offsets == [0, 0])
    }

    @Test func onlyLiarsMeansNoBlob() async throws {
        var forged = Self.bytes
        forged[0] ^= 1
        try await inTemporaryLayout { layout in
            await #expect {
                try await SourceList([ScriptedSource("liar", serving: forged)]).download(Self.descriptor, into: layout.blobs, progress: nil)
            } throws: { error in
                guard case .verificationFailed(_, .digestMismatch) = error as? ClientError else { return false }
                return true
            }
            #expect(!layout.blobs.exists(Self.descriptor.digest))
        }
    }

    /// A source that ends early is cut off, not a liar: with no source left the download fails (and
    /// does not start over forever).
    @Test func sourceEndingEarlyWithNoneLeftFails() async throws {
        let short = ScriptedSource("short", serving: Array(Self.bytes.prefix(1_000)))
        try await inTemporaryLayout { layout in
            await #expect {
                try await SourceList([short]).download(Self.descriptor, into: layout.blobs, progress: nil)
            } throws: { error in
                guard case .verificationFailed(_, .sizeMismatch) = error as? ClientError else { return false }
                return true
            }
        }
        #expect(short.offsets == [0])
    }

    @Test func sourceSendingTooMuchIsRejected() async throws {
        let liar = ScriptedSource("long", serving: Self.bytes + [0])
        let honest = ScriptedSource("honest", serving: Self.bytes)
        try await inTemporaryLayout { layout in
            try await SourceList([liar, honest]).download(Self.descriptor, into: layout.blobs, progress: nil)
            #expect(try layout.blobs.read(Self.descriptor.digest) == Self.bytes)
        }
        #expect(honest.offsets == [0])
    }

    /// A copy cancelled while a source sends is not resumed from the next source: it is cancelled.
    @Test func cancellationIsNotACutOff() async throws {
        let cancelled = ScriptedSource("cancelled", serving: Self.bytes, cutOffAt: 70_000, cutOffError: CancellationError())
        let honest = ScriptedSource("honest", serving: Self.bytes)
        try await inTemporaryLayout { layout in
            await #expect {
                try await SourceList([cancelled, honest]).download(Self.descriptor, into: layout.blobs, progress: nil)
            } throws: { error in
                guard case .cancelled = error as? ClientError else { return false }
                return true
            }
            #expect(!layout.blobs.exists(Self.descriptor.digest))
        }
        #expect(honest.offsets.isEmpty)
    }

    /// With no source left after a cut-off, the lost connection is the error, and it is retryable.
    @Test func cutOffWithNoneLeftIsARetryableTransportFailure() async throws {
        let dying = ScriptedSource("dying", serving: Self.bytes, cutOffAt: 70_000)
        try await inTemporaryLayout { layout in
            await #expect {
                try await SourceList([dying]).download(Self.descriptor, into: layout.blobs, progress: nil)
            } throws: { error in
                guard case let .transport(failure) = error as? ClientError else { return false }
                return failure.stage == .receiving && failure.endpoint == "dying" && failure.isRetryable
            }
        }
    }

    func inTemporaryLayout(_ body: (OCILayout) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("klein-sources-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await body(try OCILayout.create(at: path))
    }
}

/// A source of one blob held in memory, sent in 16 KiB buffers, that can be cut off at an offset.
final class ScriptedSource: ContentSource {
    let name: String
    let bytes: [UInt8]
    let cutOff: Int?
    private let asked = Mutex<[Int64]>([])

    /// What a source that is cut off throws: a lost connection, unless the test cancels.
    let cutOffError: any Error

    init(_ name: String, serving bytes: [UInt8], cutOffAt cutOff: Int? = nil, cutOffError: any Error = POSIXError(.ECONNRESET)) {
        self.name = name
        self.bytes = bytes
        self.cutOff = cutOff
        self.cutOffError = cutOffError
    }

    var description: String { name }
    var offsets: [Int64] { asked.withLock { $0 } }

    func resolve(_ reference: String) async throws(ClientError) -> FetchedManifest { throw .notFound(what: reference) }
    func manifest(_ descriptor: Descriptor) async throws(ClientError) -> FetchedManifest { throw .notFound(what: "\(descriptor.digest)") }
    func referrers(of digest: Digest) async throws(ClientError) -> [Descriptor] { [] }

    func blob(_ descriptor: Descriptor, from offset: Int64) async throws(ClientError) -> BlobStream {
        asked.withLock { $0.append(offset) }
        let end = cutOff.map { max($0, Int(offset)) } ?? bytes.count
        let chunks = stride(from: Int(offset), to: end, by: 16 << 10).map { ByteBuffer(bytes: bytes[$0..<min($0 + (16 << 10), end)]) }
        return BlobStream(Chunks(chunks: chunks, failure: cutOff == nil ? nil : cutOffError))
    }

    struct Chunks: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let chunks: [ByteBuffer]
        let failure: (any Error)?

        struct AsyncIterator: AsyncIteratorProtocol {
            var pending: IndexingIterator<[ByteBuffer]>
            let failure: (any Error)?

            mutating func next() async throws -> ByteBuffer? {
                if let chunk = pending.next() { return chunk }
                if let failure { throw failure }
                return nil
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pending: chunks.makeIterator(), failure: failure) }
    }
}
