import Dispatch
import KleinOCI
import KleinSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

extension OCILayout {
    /// What `gc` did.
    public struct GCReport: Sendable {
        /// Blobs kept because they are reachable.
        public var kept = 0
        /// Blobs removed (or, in a dry run, that would be).
        public var removed: [Digest] = []
        /// Bytes of the removed blobs.
        public var removedBytes: Int64 = 0
        /// Unreferenced blobs younger than the grace period.
        public var spared: [Digest] = []
        /// Scratch files of interrupted ingests that were removed.
        public var removedScratchFiles = 0
    }

    /// Removes every blob not reachable from `index.json` (through indexes, manifests, configs, layers,
    /// and referrers of reachable manifests), plus leftovers of interrupted ingests. Blobs modified
    /// less than `grace` seconds ago are spared, for writers that do not take Klein's lock.
    public func gc(grace: Int64 = 0, dryRun: Bool = false) throws(StoreError) -> GCReport {
        let lock = try contentLock(exclusive: true)
        defer { withExtendedLifetime(lock) {} }
        var reachable = Set<Digest>()
        var problems: [String] = []
        try walk { item, problem in
            reachable.insert(item.descriptor.digest)
            if let problem, item.descriptor.mediaType.isManifest {
                problems.append("\(item.trail) \(item.descriptor.digest): \(problem)")
            }
        }
        if let first = problems.first {
            // Never sweep a graph that could not be read completely: the children of a missing or
            // unreadable manifest would look unreferenced.
            throw .invalidLayout(path: path, reason: "gc refused: \(first); run `klein layout fsck`")
        }
        var report = GCReport()
        let now = Int64(time(nil))
        for digest in try blobs.list().blobs {
            if reachable.contains(digest) { report.kept += 1; continue }
            guard let info = try StoreError.wrap({ () throws(SystemError) in try FileSystem.regularFileStatus(blobs.path(for: digest)) }) else { continue }
            if now - Int64(info.st_mtim.tv_sec) < grace {
                report.spared.append(digest)
                continue
            }
            if !dryRun { try blobs.delete(digest) }
            report.removed.append(digest)
            report.removedBytes += Int64(info.st_size)
        }
        // Holding the exclusive lock means no Klein writer is running: every scratch file is stale.
        for name in try StoreError.wrap({ () throws(SystemError) in try FileSystem.list(blobs.scratch) }) {
            if !dryRun { try StoreError.wrap { () throws(SystemError) in try FileSystem.remove("\(blobs.scratch)/\(name)") } }
            report.removedScratchFiles += 1
        }
        return report
    }

    /// One problem `fsck` found.
    public struct FsckProblem: Sendable, CustomStringConvertible {
        /// What kind of problem it is.
        public enum Kind: String, Sendable {
            case corrupt, missing, sizeMismatch = "size mismatch", unreadable, stray
        }
        /// What kind of problem it is.
        public let kind: Kind
        /// The file the problem is in.
        public let path: String
        /// What is wrong, in words.
        public let detail: String
        /// `kind: path: detail`.
        public var description: String { "\(kind.rawValue): \(path): \(detail)" }
    }

    /// What `fsck` found.
    public struct FsckReport: Sendable {
        /// Blobs whose digest was checked.
        public var checkedBlobs = 0
        /// Bytes hashed.
        public var checkedBytes: Int64 = 0
        /// Blobs reachable from `index.json`.
        public var reachable = 0
        /// Everything found wrong.
        public var problems: [FsckProblem] = []
        /// Leftovers of interrupted ingests; harmless, removed by `gc`.
        public var scratchFiles = 0
        /// Whether nothing was found wrong.
        public var isClean: Bool { problems.isEmpty }
    }

    /// Re-hashes every blob and checks that everything reachable from `index.json` is present with the right size.
    public func fsck() throws(StoreError) -> FsckReport {
        var report = FsckReport()
        _ = try index()
        let (stored, strays) = try blobs.list()
        for stray in strays {
            report.problems.append(FsckProblem(kind: .stray, path: stray, detail: "not named by a supported digest"))
        }
        let results = Self.rehash(stored, in: blobs)
        for (digest, result) in zip(stored, results) {
            report.checkedBlobs += 1
            switch result {
            case let .success(size):
                report.checkedBytes += size
            case let .failure(failure):
                report.problems.append(FsckProblem(kind: .corrupt, path: blobs.path(for: digest), detail: failure.message))
            }
        }
        try walk { item, problem in
            report.reachable += 1
            guard let problem else { return }
            let kind: FsckProblem.Kind = problem == "missing" ? .missing : problem.hasPrefix("size") ? .sizeMismatch : .unreadable
            report.problems.append(FsckProblem(kind: kind, path: blobs.path(for: item.descriptor.digest), detail: "\(problem) (reached from \(item.trail))"))
        }
        report.scratchFiles = try StoreError.wrap { () throws(SystemError) in try FileSystem.list(blobs.scratch) }.count
        return report
    }

    /// Hashes blobs on all cores; each result is the blob's size, or why it is corrupt.
    private static func rehash(_ digests: [Digest], in blobs: BlobStore) -> [Result<Int64, FsckFailure>] {
        let results = Mutex([Result<Int64, FsckFailure>](repeating: .success(0), count: digests.count))
        DispatchQueue.concurrentPerform(iterations: digests.count) { position in
            let digest = digests[position]
            let result: Result<Int64, FsckFailure>
            do {
                let actual = try FileHashing.digest(of: blobs.open(digest), algorithm: digest.algorithm)
                result = actual.digest == digest
                    ? .success(actual.size)
                    : .failure(FsckFailure(message: "content hashes to \(actual.digest)"))
            } catch {
                result = .failure(FsckFailure(message: "\(error)"))
            }
            results.withLock { $0[position] = result }
        }
        return results.withLock { $0 }
    }
}

struct FsckFailure: Error {
    let message: String
}
