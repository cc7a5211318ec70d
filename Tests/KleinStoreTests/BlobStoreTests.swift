import Foundation
import KleinOCI
import Testing
@testable import KleinStore

@Suite struct BlobStoreTests {
    let directory: TemporaryDirectory
    let store: BlobStore

    init() throws {
        directory = try TemporaryDirectory()
        store = BlobStore(root: "\(directory.path)/blobs", scratch: "\(directory.path)/scratch")
    }

    @Test func ingestsAndReadsBack() throws {
        let bytes = Array("hello, blob".utf8)
        let digest = try store.write(bytes)
        #expect(digest == Digest.of(bytes))
        #expect(store.exists(digest))
        #expect(try store.size(of: digest) == Int64(bytes.count))
        #expect(try store.read(digest) == bytes)
        #expect(directory.listing("scratch").isEmpty)
        try store.delete(digest)
        #expect(!store.exists(digest))
    }

    @Test func verifiesAnExpectedDigest() throws {
        let bytes = Array("expected".utf8)
        let digest = Digest.of(bytes)
        #expect(try store.write(bytes, expecting: digest) == digest)
        let sha512 = Digest.of(bytes, algorithm: .sha512)
        #expect(try store.write(bytes, expecting: sha512) == sha512)
        #expect(FileManager.default.fileExists(atPath: "\(directory.path)/blobs/sha512/\(sha512.encoded)"))
    }

    @Test func rejectsWrongDigestLeavingNothing() throws {
        let claimed = Digest.of(Array("something else".utf8))
        #expect {
            try store.write(Array("actual".utf8), expecting: claimed)
        } throws: { error in
            guard case let .verificationFailed(_, cause) = error as? StoreError, case .digestMismatch = cause else { return false }
            return true
        }
        #expect(!store.exists(claimed))
        #expect(!store.exists(Digest.of(Array("actual".utf8))))
        #expect(directory.listing("scratch").isEmpty)
    }

    @Test func rejectsWrongSizeEarlyAndLate() throws {
        let bytes = Array("twelve bytes".utf8)
        let digest = Digest.of(bytes)
        let tooLong = try store.writer(expecting: digest, size: 5)
        #expect(throws: StoreError.self) { try tooLong.write(bytes) }
        let tooShort = try store.writer(expecting: digest, size: 20)
        try tooShort.write(bytes)
        #expect(throws: StoreError.self) { try tooShort.commit() }
        #expect(!store.exists(digest))
        #expect(directory.listing("scratch").isEmpty)
    }

    @Test func abandonedWriterLeavesNoBlob() throws {
        do {
            let writer = try store.writer()
            try writer.write(Array(repeating: 7, count: 1000))
            #expect(directory.listing("scratch").count == 1)
        }
        #expect(directory.listing("scratch").isEmpty)
        #expect(try store.list().blobs.isEmpty)
    }

    @Test func concurrentIngestsOfTheSameBlobAllSucceed() async throws {
        let bytes = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        let expected = Digest.of(bytes)
        let store = self.store
        let results = try await withThrowingTaskGroup(of: Digest.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let writer = try store.writer(expecting: expected, size: Int64(bytes.count))
                    for start in stride(from: 0, to: bytes.count, by: 65_536) {
                        try writer.write(Array(bytes[start..<min(start + 65_536, bytes.count)]))
                    }
                    return try writer.commit().digest
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results == Array(repeating: expected, count: 8))
        #expect(try store.read(expected) == bytes)
        #expect(try store.list().blobs == [expected])
        #expect(directory.listing("scratch").isEmpty)
    }

    @Test func readRefusesCorruptOrOversizedBlobs() throws {
        let digest = try store.write(Array("original".utf8))
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: store.path(for: digest)))
        #expect(throws: StoreError.self) { try store.read(digest) }
        let big = try store.write(Array(repeating: 1, count: 100))
        #expect(throws: StoreError.self) { try store.read(big, limit: 99) }
        #expect(throws: StoreError.self) { try store.read(Digest.of([9, 9, 9])) }
    }

    @Test func listsBlobsAndStrays() throws {
        let digest = try store.write([1, 2, 3])
        try Data().write(to: URL(fileURLWithPath: "\(store.root)/sha256/not-a-digest"))
        let (blobs, strays) = try store.list()
        #expect(blobs == [digest])
        #expect(strays == ["\(store.root)/sha256/not-a-digest"])
    }
}
