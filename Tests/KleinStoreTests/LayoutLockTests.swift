import Dispatch
import Foundation
import KleinOCI
import Synchronization
import Testing
@testable import KleinStore

/// The layout's locks (README, "Locks"): `gc` waits for writers that hold the content lock, and
/// `index.json` is replaced whole under its own lock, so readers never see part of one and writers
/// never lose each other's entries.
@Suite struct LayoutLockTests {
    let fixture: LayoutFixture

    init() throws { fixture = try LayoutFixture() }

    @Test func gcWaitsForAnImportThatHasWrittenBlobsButNoRefYet() throws {
        let layout = fixture.layout
        let outcome = Mutex<Result<OCILayout.GCReport, StoreError>?>(nil)
        let finished = DispatchSemaphore(value: 0)
        let image = try layout.withWriteAccess { () throws -> Descriptor in
            // An import half done: its blobs are stored, nothing refers to them yet, and gc has no grace.
            let image = try fixture.build.image(layers: ["being imported"], name: nil)
            let lock = try FileManager.default.attributesOfItem(atPath: "\(layout.path)/.klein/content.lock")
            let lockInode = try #require(lock[.systemFileNumber] as? UInt64)
            // gc blocks in flock: a thread of its own, not the test's cooperative pool.
            Thread.detachNewThread {
                let result = Result { () throws(StoreError) in try layout.gc(grace: 0) }
                outcome.withLock { $0 = result }
                finished.signal()
            }
            // Not a sleep: the kernel lists gc as waiting for this lock before the import goes on.
            let deadline = Date().addingTimeInterval(60)
            while !Self.someoneWaitsForLock(inode: lockInode), Date() < deadline { usleep(5_000) }
            #expect(Self.someoneWaitsForLock(inode: lockInode), "gc is waiting for the content lock")
            #expect(layout.blobs.exists(image.digest), "gc removed a blob while an import held the content lock")
            try layout.addEntry(image, name: "imported")
            return image
        }
        finished.wait()
        let report = try #require(outcome.withLock { $0 }).get()
        #expect(report.removed.isEmpty, "\(report.removed)")
        #expect(try layout.fsck().isClean)
        #expect(try layout.resolve("imported").digest == image.digest)
    }

    @Test func concurrentTaggersLoseNothingAndReadersNeverSeeAPartialIndex() throws {
        let layout = fixture.layout
        let image = try fixture.build.image(layers: ["tagged"], name: nil)
        let writersDone = Atomic<Int>(0)
        let reads = Mutex<(total: Int, unreadable: [String])>((0, []))
        DispatchQueue.concurrentPerform(iterations: 3) { worker in
            if worker < 2 {
                for number in 0..<100 {
                    do { try layout.addEntry(image, name: "w\(worker)-\(number)") } catch { reads.withLock { $0.unreadable.append("tag: \(error)") } }
                }
                writersDone.add(1, ordering: .sequentiallyConsistent)
                return
            }
            while writersDone.load(ordering: .sequentiallyConsistent) < 2 {
                let bytes = FileManager.default.contents(atPath: "\(layout.path)/index.json") ?? Data()
                let parsed = (try? JSONSerialization.jsonObject(with: bytes)) != nil
                reads.withLock { state in
                    state.total += 1
                    if !parsed { state.unreadable.append(String(decoding: bytes.prefix(200), as: UTF8.self)) }
                }
            }
        }
        let (total, unreadable) = reads.withLock { $0 }
        #expect(total > 0)
        #expect(unreadable.isEmpty, "\(unreadable.count) of \(total) reads of index.json were not whole JSON: \(unreadable.prefix(3))")
        let names = Set(try layout.refs().map(\.name))
        #expect(names.count == 200, "entries lost by concurrent writers: \(200 - names.count)")
    }

    /// Whether `/proc/locks` lists a process blocked on a lock of the file with this inode: such lines
    /// read `N: -> FLOCK ADVISORY WRITE PID MAJ:MIN:INODE START END`.
    private static func someoneWaitsForLock(inode: UInt64) -> Bool {
        let locks = (try? String(contentsOfFile: "/proc/locks", encoding: .utf8)) ?? ""
        return locks.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            guard fields.count > 6, fields[1] == "->" else { return false }
            return fields[6].split(separator: ":").last.flatMap { UInt64($0) } == inode
        }
    }
}
