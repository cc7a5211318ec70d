import Foundation
import GRDB
import KleinOCI

/// `RegistryMetadata` in one SQLite database in WAL mode, `synchronous = FULL` so a commit that was
/// acknowledged survives a crash or power loss.
public final class SQLiteMetadata: RegistryMetadata {
    let database: DatabasePool

    /// Opens (creating and migrating when needed) the database at `path`; throws GRDB's error when it cannot.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        database = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(database)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE blobs (digest TEXT PRIMARY KEY, size INTEGER NOT NULL, added_at INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE repositories (name TEXT PRIMARY KEY) WITHOUT ROWID;
                CREATE TABLE repository_blobs (
                    repository TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (repository, digest)) WITHOUT ROWID;
                CREATE INDEX repository_blobs_digest ON repository_blobs(digest);
                CREATE TABLE manifests (
                    repository TEXT NOT NULL, digest TEXT NOT NULL, media_type TEXT NOT NULL, size INTEGER NOT NULL,
                    artifact_type TEXT, subject TEXT, annotations TEXT, added_at INTEGER NOT NULL,
                    PRIMARY KEY (repository, digest)) WITHOUT ROWID;
                CREATE INDEX manifests_digest ON manifests(digest);
                CREATE INDEX manifests_subject ON manifests(repository, subject) WHERE subject IS NOT NULL;
                CREATE TABLE manifest_children (
                    repository TEXT NOT NULL, manifest TEXT NOT NULL, child TEXT NOT NULL,
                    PRIMARY KEY (repository, manifest, child)) WITHOUT ROWID;
                CREATE INDEX manifest_children_child ON manifest_children(child);
                CREATE TABLE tags (
                    repository TEXT NOT NULL, name TEXT NOT NULL, digest TEXT NOT NULL,
                    PRIMARY KEY (repository, name)) WITHOUT ROWID;
                CREATE INDEX tags_digest ON tags(repository, digest);
                CREATE TABLE uploads (id TEXT PRIMARY KEY, repository TEXT NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID;
                """)
        }
        return migrator
    }

    // MARK: Blobs

    /// The size of a blob linked into `repository`, or `nil`.
    public func blobSize(_ digest: Digest, in repository: String) async throws -> Int64? {
        try await database.read { db in
            try Int64.fetchOne(db, sql: """
                SELECT b.size FROM repository_blobs l JOIN blobs b ON b.digest = l.digest
                WHERE l.repository = ? AND l.digest = ?
                """, arguments: [repository, digest.description])
        }
    }

    /// As `blobSize(_:in:)`, and resets the blob's GC grace window to `now` when it was added before `staleBefore`.
    public func blobSize(_ digest: Digest, in repository: String, refreshingIfAddedBefore staleBefore: Int64,
                         now: Int64) async throws -> Int64? {
        let arguments: StatementArguments = [repository, digest.description]
        // Read first: most blobs are fresh, and a read takes no write lock.
        let found = try await database.read { db in
            try Row.fetchOne(db, sql: """
                SELECT b.size, b.added_at FROM repository_blobs l JOIN blobs b ON b.digest = l.digest
                WHERE l.repository = ? AND l.digest = ?
                """, arguments: arguments)
        }
        guard let found else { return nil }
        let size: Int64 = found[0], added: Int64 = found[1]
        guard added < staleBefore else { return size }
        return try await database.write { db in
            try db.execute(sql: """
                UPDATE blobs SET added_at = MAX(added_at, ?)
                WHERE digest = ? AND EXISTS (SELECT 1 FROM repository_blobs WHERE repository = ? AND digest = ?)
                """, arguments: [now, digest.description] + arguments)
            return db.changesCount > 0 ? size : nil
        }
    }

    /// The size of a blob anywhere in the pool, or `nil`.
    public func pooledBlobSize(_ digest: Digest) async throws -> Int64? {
        try await database.read { db in
            try Int64.fetchOne(db, sql: "SELECT size FROM blobs WHERE digest = ?", arguments: [digest.description])
        }
    }

    /// Runs `publish`, then records the blob and links it to `repository`, in one transaction.
    public func addBlob(_ digest: Digest, size: Int64, to repository: String, now: Int64,
                        publish: @escaping @Sendable () throws -> Void) async throws {
        try await database.write { db in
            try publish()
            try Self.recordBlob(db, digest: digest, size: size, now: now)
            try Self.link(db, digest: digest, repository: repository)
        }
    }

    /// Links a blob `source` has into `repository` and restarts its GC grace window; the size, or `nil` when `source` lacks it.
    public func mountBlob(_ digest: Digest, from source: String, into repository: String) async throws -> Int64? {
        try await database.write { db in
            guard let size = try Int64.fetchOne(db, sql: """
                SELECT b.size FROM repository_blobs l JOIN blobs b ON b.digest = l.digest
                WHERE l.repository = ? AND l.digest = ?
                """, arguments: [source, digest.description]) else { return nil }
            try Self.link(db, digest: digest, repository: repository)
            try db.execute(sql: "UPDATE blobs SET added_at = MAX(added_at, ?) WHERE digest = ?",
                           arguments: [Int64(Date().timeIntervalSince1970), digest.description])
            return size
        }
    }

    /// Removes a blob's link from `repository` (its pool file stays for GC); whether it was linked.
    public func unlinkBlob(_ digest: Digest, from repository: String) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM repository_blobs WHERE repository = ? AND digest = ?",
                           arguments: [repository, digest.description])
            return db.changesCount > 0
        }
    }

    private static func recordBlob(_ db: Database, digest: Digest, size: Int64, now: Int64) throws {
        // A re-pushed blob counts as new for the GC grace window.
        try db.execute(sql: """
            INSERT INTO blobs (digest, size, added_at) VALUES (?, ?, ?)
            ON CONFLICT(digest) DO UPDATE SET added_at = excluded.added_at
            """, arguments: [digest.description, size, now])
    }

    private static func link(_ db: Database, digest: Digest, repository: String) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO repositories (name) VALUES (?)", arguments: [repository])
        try db.execute(sql: "INSERT OR IGNORE INTO repository_blobs (repository, digest) VALUES (?, ?)",
                       arguments: [repository, digest.description])
    }

    // MARK: Manifests and tags

    /// The manifest `tag` names in `repository`, or `nil`.
    public func manifest(tag: String, in repository: String) async throws -> StoredManifest? {
        try await database.read { db in
            try Row.fetchOne(db, sql: """
                SELECT m.digest, m.media_type, m.size FROM tags t
                JOIN manifests m ON m.repository = t.repository AND m.digest = t.digest
                WHERE t.repository = ? AND t.name = ?
                """, arguments: [repository, tag]).flatMap(Self.storedManifest)
        }
    }

    /// The manifest with `digest` in `repository`, or `nil`.
    public func manifest(digest: Digest, in repository: String) async throws -> StoredManifest? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT digest, media_type, size FROM manifests WHERE repository = ? AND digest = ?",
                             arguments: [repository, digest.description]).flatMap(Self.storedManifest)
        }
    }

    private static func storedManifest(_ row: Row) -> StoredManifest? {
        guard let digest = try? Digest(row[0] as String) else { return nil }
        return StoredManifest(digest: digest, mediaType: row[1], size: row[2])
    }

    /// Stores `record` and its children (and moves `tag` to it) after `publish`, unless children are missing; returns the missing ones.
    public func putManifest(_ record: ManifestRecord, tag: String?, in repository: String, now: Int64,
                            publish: @escaping @Sendable () throws -> Void) async throws -> [Digest] {
        try await database.write { db in
            let table = record.childrenAreManifests
                ? "SELECT 1 FROM manifests WHERE repository = ? AND digest = ?"
                : "SELECT 1 FROM repository_blobs WHERE repository = ? AND digest = ?"
            var missing: [Digest] = []
            for child in Set(record.children).sorted()
            where try Int.fetchOne(db, sql: table, arguments: [repository, child.description]) == nil {
                missing.append(child)
            }
            guard missing.isEmpty else { return missing }
            try publish()
            try Self.recordBlob(db, digest: record.digest, size: record.size, now: now)
            try Self.link(db, digest: record.digest, repository: repository)
            try db.execute(sql: """
                INSERT OR REPLACE INTO manifests
                    (repository, digest, media_type, size, artifact_type, subject, annotations, added_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [repository, record.digest.description, record.mediaType, record.size,
                                 record.artifactType, record.subject?.description, record.annotationsJSON, now])
            for child in Set(record.children) {
                try db.execute(sql: "INSERT OR IGNORE INTO manifest_children (repository, manifest, child) VALUES (?, ?, ?)",
                               arguments: [repository, record.digest.description, child.description])
            }
            if let tag {
                try db.execute(sql: "INSERT OR REPLACE INTO tags (repository, name, digest) VALUES (?, ?, ?)",
                               arguments: [repository, tag, record.digest.description])
            }
            return []
        }
    }

    /// Removes a manifest with its children records, tags and blob link from `repository`; whether it was there.
    public func deleteManifest(_ digest: Digest, in repository: String) async throws -> Bool {
        try await database.write { db in
            let arguments: StatementArguments = [repository, digest.description]
            try db.execute(sql: "DELETE FROM manifests WHERE repository = ? AND digest = ?", arguments: arguments)
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: "DELETE FROM manifest_children WHERE repository = ? AND manifest = ?", arguments: arguments)
            try db.execute(sql: "DELETE FROM tags WHERE repository = ? AND digest = ?", arguments: arguments)
            try db.execute(sql: "DELETE FROM repository_blobs WHERE repository = ? AND digest = ?", arguments: arguments)
            return true
        }
    }

    /// Removes `tag` from `repository`, leaving its manifest; whether the tag existed.
    public func deleteTag(_ tag: String, in repository: String) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM tags WHERE repository = ? AND name = ?", arguments: [repository, tag])
            return db.changesCount > 0
        }
    }

    /// Tags in byte order after `last`, at most `limit` (all when `nil`); `nil` when the repository is unknown.
    public func tags(in repository: String, after last: String?, limit: Int?) async throws -> [String]? {
        try await database.read { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM repositories WHERE name = ?", arguments: [repository]) != nil else {
                return nil
            }
            return try String.fetchAll(db, sql: """
                SELECT name FROM tags WHERE repository = ? AND name > ? ORDER BY name COLLATE BINARY LIMIT ?
                """, arguments: [repository, last ?? "", limit ?? -1])
        }
    }

    /// Repository names in byte order after `last`, at most `limit` (all when `nil`).
    public func repositories(after last: String?, limit: Int?) async throws -> [String] {
        try await database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM repositories WHERE name > ? ORDER BY name COLLATE BINARY LIMIT ?",
                                arguments: [last ?? "", limit ?? -1])
        }
    }

    /// Manifests in `repository` whose subject is `subject`, by digest, optionally only of `artifactType`.
    public func referrers(of subject: Digest, in repository: String, artifactType: String?) async throws -> [ManifestRecord] {
        try await database.read { db in
            var sql = """
                SELECT digest, media_type, size, artifact_type, annotations FROM manifests
                WHERE repository = ? AND subject = ?
                """
            var arguments: StatementArguments = [repository, subject.description]
            if let artifactType {
                sql += " AND artifact_type = ?"
                arguments += [artifactType]
            }
            sql += " ORDER BY digest"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row -> ManifestRecord? in
                guard let digest = try? Digest(row[0] as String) else { return nil }
                return ManifestRecord(digest: digest, mediaType: row[1], size: row[2], artifactType: row[3], subject: subject,
                                      annotationsJSON: row[4], children: [], childrenAreManifests: false)
            }
        }
    }

    // MARK: Uploads

    /// Records a new upload session; throws when the id is already taken.
    public func addUpload(_ upload: UploadRecord) async throws {
        try await database.write { db in
            try db.execute(sql: "INSERT INTO uploads (id, repository, created_at) VALUES (?, ?, ?)",
                           arguments: [upload.id, upload.repository, upload.created])
        }
    }

    /// The upload session with `id`, or `nil`.
    public func upload(id: String) async throws -> UploadRecord? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT id, repository, created_at FROM uploads WHERE id = ?", arguments: [id])
                .map { UploadRecord(id: $0[0], repository: $0[1], created: $0[2]) }
        }
    }

    /// Forgets the upload session with `id`, if any.
    public func removeUpload(id: String) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM uploads WHERE id = ?", arguments: [id])
        }
    }

    /// Every upload session, by id.
    public func uploads() async throws -> [UploadRecord] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, repository, created_at FROM uploads ORDER BY id")
                .map { UploadRecord(id: $0[0], repository: $0[1], created: $0[2]) }
        }
    }

    // MARK: Garbage collection and checks

    private static let unreferenced = """
        NOT EXISTS (SELECT 1 FROM manifests m WHERE m.digest = b.digest)
        AND NOT EXISTS (SELECT 1 FROM manifest_children c WHERE c.child = b.digest)
        """

    /// Pool blobs no manifest references (as itself or a child) that were added at or before `cutoff`.
    public func unreferencedBlobs(addedBefore cutoff: Int64) async throws -> [Digest] {
        try await database.read { db in
            try String.fetchAll(db, sql: "SELECT digest FROM blobs b WHERE added_at <= ? AND \(Self.unreferenced) ORDER BY digest",
                                arguments: [cutoff]).compactMap { try? Digest($0) }
        }
    }

    /// Removes a blob's record and links if it is still unreferenced and added at or before `cutoff`; whether it was removed.
    public func removeBlob(_ digest: Digest, ifUnreferencedBefore cutoff: Int64) async throws -> Bool {
        try await database.write { db in
            let arguments: StatementArguments = [digest.description]
            try db.execute(sql: "DELETE FROM blobs AS b WHERE digest = ? AND added_at <= ? AND \(Self.unreferenced)",
                           arguments: arguments + [cutoff])
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: "DELETE FROM repository_blobs WHERE digest = ?", arguments: arguments)
            return true
        }
    }

    /// Runs `unlink` if no record names `digest`, in a write transaction; whether it was an orphan.
    public func removeOrphan(_ digest: Digest, unlink: @escaping @Sendable () throws -> Void) async throws -> Bool {
        try await database.write { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM blobs WHERE digest = ?", arguments: [digest.description]) == nil else {
                return false
            }
            try unlink()
            return true
        }
    }

    /// Every pooled blob with its recorded size, by digest.
    public func pooledBlobs() async throws -> [(digest: Digest, size: Int64)] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT digest, size FROM blobs ORDER BY digest").compactMap { row in
                (try? Digest(row[0] as String)).map { ($0, row[1] as Int64) }
            }
        }
    }

    /// Every manifest's children, with the repository, ordered by repository and manifest.
    public func manifestChildren() async throws -> [(repository: String, manifest: Digest, child: Digest)] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT repository, manifest, child FROM manifest_children ORDER BY repository, manifest")
                .compactMap { row in
                    guard let manifest = try? Digest(row[1] as String), let child = try? Digest(row[2] as String) else { return nil }
                    return (row[0] as String, manifest, child)
                }
        }
    }

    /// Total recorded bytes and number of blobs in the pool.
    public func storageTotals() async throws -> (bytes: Int64, blobs: Int) {
        try await database.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT COALESCE(SUM(size), 0), COUNT(*) FROM blobs")
            return (row?[0] ?? 0, row?[1] ?? 0)
        }
    }
}
