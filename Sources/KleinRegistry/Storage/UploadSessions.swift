import Glibc
import KleinOCI
import KleinStore
import KleinSystem

/// The bytes of one upload session: a file in the uploads directory and the running hash of what it holds.
/// Only one request uses a state at a time (`UploadSessions` hands it out exclusively), and the file is
/// open only while a request uses it, so idle sessions hold no descriptors.
final class UploadState: @unchecked Sendable {
    let id: String
    let repository: String
    let path: String
    private var file: POSIXFile?
    private(set) var hasher: DigestHasher
    let started = ContinuousClock.now

    var size: Int64 { hasher.count }

    init(id: String, repository: String, path: String, hasher: DigestHasher) {
        self.id = id
        self.repository = repository
        self.path = path
        self.hasher = hasher
    }

    /// Opens the file for appending at the hashed length, dropping bytes a failed write left past it.
    func open() throws(StoreError) {
        let file = try StoreError.wrap { () throws(SystemError) in
            let file = try POSIXFile.open(path, flags: O_RDWR)
            if try file.size() != hasher.count { try file.truncate(to: hasher.count) }
            return file
        }
        guard lseek(file.fd, off_t(hasher.count), SEEK_SET) >= 0 else {
            throw .system(SystemError(operation: "seek", path: path, errno: errno))
        }
        self.file = file
    }

    func close() { file = nil }

    /// Appends bytes; on failure the file is cut back to what the hash covers, so file and hash never disagree.
    func append(_ buffer: UnsafeRawBufferPointer) throws(StoreError) {
        guard let file else { throw .system(SystemError(operation: "write to a closed upload", path: path, errno: EBADF)) }
        do throws(SystemError) {
            try file.writeAll(buffer)
        } catch {
            self.file = nil
            try? POSIXFile.open(path, flags: O_RDWR).truncate(to: hasher.count)
            throw .system(error)
        }
        hasher.update(buffer)
    }

    /// Drops what was appended since the hash was `earlier`: the file is cut back to its length and the
    /// hash restored, so a refused chunk leaves the session as it was.
    func rollBack(to earlier: DigestHasher) throws(StoreError) {
        close()
        hasher = earlier
        try open()
    }

    /// Checks the file holds exactly the hashed bytes and makes them durable.
    func prepareToPublish() throws(StoreError) {
        guard let file else { throw .system(SystemError(operation: "publish a closed upload", path: path, errno: EBADF)) }
        let length = try StoreError.wrap { () throws(SystemError) in try file.size() }
        guard length == hasher.count else {
            throw .verificationFailed(what: path, error: .sizeMismatch(expected: hasher.count, actual: length))
        }
        try StoreError.wrap { () throws(SystemError) in try file.sync() }
    }
}

/// Upload sessions being written: files under `<data>/uploads`, each used by one request at a time.
/// A session whose state is not in memory (after a restart) is rebuilt by hashing its file.
actor UploadSessions {
    let directory: String
    private var idle: [String: UploadState] = [:]
    private var busy: Set<String> = []
    /// Sessions cancelled or expired while a request held them: dropped when that request releases them.
    private var discarded: Set<String> = []

    init(directory: String) {
        self.directory = directory
    }

    enum Failure: Error {
        /// Another request is writing to the session right now.
        case busy
        case io(StoreError)
    }

    /// Session ids Klein hands out: 32 lowercase hex digits; anything else never reaches the file system.
    static func isValidID(_ id: String) -> Bool {
        id.utf8.count == 32 && id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64, low = generator.next() as UInt64
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return hex(high) + hex(low)
    }

    func path(of id: String) -> String { "\(directory)/\(id)" }

    /// Creates the file of a new session.
    func create(id: String, repository: String) throws(StoreError) {
        try StoreError.wrap { () throws(SystemError) in
            try FileSystem.makeDirectories(directory)
            _ = try POSIXFile.open(path(of: id), flags: O_RDWR | O_CREAT | O_EXCL, mode: 0o600)
        }
        idle[id] = UploadState(id: id, repository: repository, path: path(of: id), hasher: DigestHasher())
    }

    /// Takes a session for exclusive use with its file open; `nil` when its file is gone.
    func acquire(id: String, repository: String) throws(Failure) -> UploadState? {
        if busy.contains(id) { throw .busy }
        do throws(StoreError) {
            var found = idle.removeValue(forKey: id)
            if found == nil { found = try rebuild(id: id, repository: repository) }
            guard let state = found else { return nil }
            try state.open()
            busy.insert(id)
            return state
        } catch {
            throw .io(error)
        }
    }

    /// Returns a session after a request and closes its file; `keep: false` forgets it (finished or cancelled).
    func release(_ state: UploadState, keep: Bool) {
        state.close()
        busy.remove(state.id)
        if discarded.remove(state.id) != nil {
            unlink(path(of: state.id))
        } else if keep {
            idle[state.id] = state
        }
    }

    /// Forgets a session and removes its file, at once or when the request holding it finishes.
    func discard(id: String) {
        idle.removeValue(forKey: id)
        if busy.contains(id) { discarded.insert(id) } else { unlink(path(of: id)) }
    }

    /// Whether a request is using the session now.
    func isBusy(_ id: String) -> Bool { busy.contains(id) }

    /// Re-reads a session file left by an earlier run to recover its hash.
    private func rebuild(id: String, repository: String) throws(StoreError) -> UploadState? {
        let path = path(of: id)
        guard try StoreError.wrap({ () throws(SystemError) in try FileSystem.regularFileStatus(path) }) != nil else { return nil }
        return UploadState(id: id, repository: repository, path: path, hasher: try FileHashing.hasher(ofFileAt: path))
    }
}
