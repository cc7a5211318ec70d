import Foundation
import KleinOCI
import KleinStore
import KleinSystem

/// What one garbage collection did.
public struct GarbageReport: Sendable {
    /// Blobs removed from the pool (or that would be, in a dry run).
    public var removed: [Digest] = []
    /// Total size of `removed`, in bytes.
    public var removedBytes: Int64 = 0
    /// Upload sessions removed: idle past the expiry, or with a missing file or record.
    public var expiredUploads = 0
    /// Stale files removed from the scratch directory.
    public var removedScratchFiles = 0
    /// Pool files without a record, left by a publish that crashed before it committed.
    public var removedOrphans = 0
}

/// What fsck found: every problem names the blob or file and the reason.
public struct ConsistencyReport: Sendable {
    /// How many pooled blobs were re-hashed.
    public var checkedBlobs = 0
    /// One line per problem found; empty when the store is consistent.
    public var problems: [String] = []
}

extension RegistryService {
    /// Online GC (DESIGN.md "Storage"): removes pool blobs no manifest references, added more than
    /// `grace` seconds ago; expires upload sessions idle for longer than the configured expiry; removes
    /// stale scratch files. Safe while pushes run: each removal re-checks in the same transaction that
    /// records new blobs and manifests, and open uploads are never in the pool.
    public func collectGarbage(grace: Int64? = nil, dryRun: Bool = false) async throws -> GarbageReport {
        var report = GarbageReport()
        let now = Self.now()
        let cutoff = now - (grace ?? configuration.gcGrace)
        report.expiredUploads = try await expireUploads(now: now, dryRun: dryRun)
        report.removedScratchFiles = try removeStaleScratch(olderThan: cutoff, dryRun: dryRun)
        let candidates = try await metadata.unreferencedBlobs(addedBefore: cutoff)
        // Between choosing and removing, pushes go on: each removal re-checks (the race tests pause here).
        await PausePoint.reach("registry.gc.sweep")
        for digest in candidates {
            let size = (try? pool.size(of: digest)) ?? 0
            if dryRun {
                report.removed.append(digest)
                report.removedBytes += size
                continue
            }
            let pool = pool
            if try await metadata.removeBlob(digest, ifUnreferencedBefore: cutoff),
               try await metadata.removeOrphan(digest, unlink: { try pool.delete(digest) }) {
                report.removed.append(digest)
                report.removedBytes += size
            }
        }
        report.removedOrphans = try await removeOrphans(olderThan: cutoff, dryRun: dryRun)
        let totals = try await metadata.storageTotals()
        metrics.storage(bytes: totals.bytes, blobs: totals.blobs)
        logger.info("garbage collection", metadata: [
            "removed": "\(report.removed.count)", "bytes": "\(report.removedBytes)",
            "expired_uploads": "\(report.expiredUploads)", "dry_run": "\(dryRun)",
        ])
        return report
    }

    /// Runs the registry's periodic jobs until the task is cancelled: upload sessions idle for the
    /// configured expiry are removed every `uploadSweepInterval` seconds, whether or not garbage
    /// collection is scheduled, and garbage is collected every `gcInterval` when one is configured.
    /// A failed run is logged and tried again at its next time.
    public func runPeriodicMaintenance() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await self.repeatEvery(self.uploadSweepInterval, "upload expiry") {
                    _ = try await self.expireUploads(now: Self.now(), dryRun: false)
                }
            }
            if let interval = configuration.gcInterval {
                group.addTask {
                    await self.repeatEvery(interval, "garbage collection") { _ = try await self.collectGarbage() }
                }
            }
        }
    }

    /// How often idle upload sessions are looked for: a quarter of the expiry (at least a second), at
    /// most hourly, so a session is gone at most a quarter of its expiry after it expired.
    public var uploadSweepInterval: Int64 { min(max(configuration.uploadExpiry / 4, 1), 3600) }

    private func repeatEvery(_ seconds: Int64, _ job: String, _ body: () async throws -> Void) async {
        while (try? await Task.sleep(for: .seconds(seconds))) != nil {
            do { try await body() } catch { logger.error("\(job) failed: \(error)") }
        }
    }

    /// Upload sessions whose file was not written for `uploadExpiry` seconds, or whose file or record is missing.
    private func expireUploads(now: Int64, dryRun: Bool) async throws -> Int {
        var expired = 0
        var known = Set<String>()
        for upload in try await metadata.uploads() {
            known.insert(upload.id)
            let path = await uploads.path(of: upload.id)
            let modified = (try? FileSystem.regularFileStatus(path)).flatMap { $0 }.map { Int64($0.st_mtim.tv_sec) }
            // A session whose file is gone is dead after a minute; others after the expiry since their last write.
            let lifetime = modified == nil ? min(60, configuration.uploadExpiry) : configuration.uploadExpiry
            guard (modified ?? upload.created) < now - lifetime, await !uploads.isBusy(upload.id) else { continue }
            expired += 1
            if !dryRun {
                try await metadata.removeUpload(id: upload.id)
                await uploads.discard(id: upload.id)
            }
        }
        for name in try StoreError.wrap({ () throws(SystemError) in try FileSystem.list(uploads.directory) }) where !known.contains(name) {
            // A file without a record: its session was finished or cancelled by a crashed request.
            let path = "\(uploads.directory)/\(name)"
            if let info = try? FileSystem.regularFileStatus(path), Int64(info.st_mtim.tv_sec) < now - 60 {
                expired += 1
                if !dryRun { try? FileSystem.remove(path) }
            }
        }
        return expired
    }

    private func removeOrphans(olderThan cutoff: Int64, dryRun: Bool) async throws -> Int {
        let recorded = Set(try await metadata.pooledBlobs().map(\.digest))
        var removed = 0
        for digest in try pool.list().blobs where !recorded.contains(digest) {
            guard let info = try? FileSystem.regularFileStatus(pool.path(for: digest)), Int64(info.st_mtim.tv_sec) < cutoff else {
                continue
            }
            let pool = pool
            if dryRun {
                removed += 1
            } else if try await metadata.removeOrphan(digest, unlink: { try pool.delete(digest) }) {
                removed += 1
            }
        }
        return removed
    }

    private func removeStaleScratch(olderThan cutoff: Int64, dryRun: Bool) throws -> Int {
        var removed = 0
        for name in try StoreError.wrap({ () throws(SystemError) in try FileSystem.list(scratch) }) {
            let path = "\(scratch)/\(name)"
            guard let info = try? FileSystem.regularFileStatus(path), Int64(info.st_mtim.tv_sec) < cutoff else { continue }
            removed += 1
            if !dryRun { try? FileSystem.remove(path) }
        }
        return removed
    }

    /// Re-hashes every pooled blob and checks that every manifest's children are present.
    public func checkConsistency() async throws -> ConsistencyReport {
        var report = ConsistencyReport()
        let pooled = try await metadata.pooledBlobs()
        var present = Set<Digest>()
        for (digest, size) in pooled {
            report.checkedBlobs += 1
            do {
                let actual = try FileHashing.digest(ofFileAt: pool.path(for: digest), algorithm: digest.algorithm)
                if actual.digest != digest || actual.size != size {
                    report.problems.append("blob \(digest): stored bytes hash to \(actual.digest) (\(actual.size) bytes, recorded \(size))")
                } else {
                    present.insert(digest)
                }
            } catch {
                report.problems.append("blob \(digest): \(error)")
            }
        }
        for (repository, manifest, child) in try await metadata.manifestChildren() where !present.contains(child) {
            report.problems.append("\(repository)@\(manifest) refers to \(child), which is not in the pool")
        }
        let recorded = Set(pooled.map(\.digest))
        for digest in try pool.list().blobs where !recorded.contains(digest) {
            report.problems.append("blob file \(digest) has no record (left by an interrupted publish; gc removes it)")
        }
        return report
    }
}
