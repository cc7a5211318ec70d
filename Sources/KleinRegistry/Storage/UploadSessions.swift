import Glibc
import KleinOCI
import KleinStore

/// The bytes of one upload session: a file in the uploads directory and the running hash of what it holds.
/// Only one request uses a state at a time (`UploadSessions` hands it out exclusively).
final class UploadState: @unchecked Sendable {
    let id: String
    let repository: String
    let path: String
    private let file: POSIXFile
    private(set) var hasher: DigestHasher
    let started = ContinuousClock.now

    var size: Int64 { hasher.count }

    init(id: String, repository: String, path: String, file: POSIXFile, hasher: DigestHasher) {
        self.id = id
        self.repository = repository
        self.path = path
        self.file = file
        self.hasher = hasher
    }

    func append(_ buffer: UnsafeRawBufferPointer) throws(StoreError) {
        try file.writeAll(buffer)
        hasher.update(buffer)
    }

    func sync() throws(StoreError) {
        try file.sync()
    }
}

/// Upload sessions being written: files under `<data>/uploads`, each used by one request at a time.
/// A session whose state is not in memory (after a restart) is rebuilt by hashing its file.
actor UploadSessions {
    let directory: String
    private var idle: [String: UploadState] = [:]
    private var busy: Set<String> = []

    init(directory: String) {
        self.directory = directory
    }

    enum Failure: Error {
        /// Another request is writing to the session right now.
        case busy(size: Int64)
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
        try FileSystem.makeDirectories(directory)
        let file = try POSIXFile.open(path(of: id), flags: O_RDWR | O_CREAT | O_EXCL, mode: 0o600)
        idle[id] = UploadState(id: id, repository: repository, path: path(of: id), file: file, hasher: DigestHasher())
    }

    /// Takes a session for exclusive use; `nil` when its file is gone.
    func acquire(id: String, repository: String) throws(Failure) -> UploadState? {
        if busy.contains(id) { throw .busy(size: -1) }
        let state: UploadState
        if let loaded = idle.removeValue(forKey: id) {
            state = loaded
        } else {
            do {
                guard let rebuilt = try rebuild(id: id, repository: repository) else { return nil }
                state = rebuilt
            } catch {
                throw .io(error)
            }
        }
        busy.insert(id)
        return state
    }

    /// Returns a session after a request; `keep: false` forgets it (finished or cancelled).
    func release(_ state: UploadState, keep: Bool) {
        busy.remove(state.id)
        if keep { idle[state.id] = state }
    }

    /// Forgets a session and removes its file unless a request holds it.
    func discard(id: String) {
        idle.removeValue(forKey: id)
        if !busy.contains(id) { unlink(path(of: id)) }
    }

    /// Whether a request is using the session now.
    func isBusy(_ id: String) -> Bool { busy.contains(id) }

    /// Re-reads a session file left by an earlier run to recover its hash.
    private func rebuild(id: String, repository: String) throws(StoreError) -> UploadState? {
        let path = path(of: id)
        guard (try FileSystem.regularFileStatus(path)) != nil else { return nil }
        let file = try POSIXFile.open(path, flags: O_RDWR)
        var hasher = DigestHasher()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try file.read(into: buffer)
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        return UploadState(id: id, repository: repository, path: path, file: file, hasher: hasher)
    }
}
