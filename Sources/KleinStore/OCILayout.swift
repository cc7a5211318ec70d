import KleinOCI
import KleinSystem
#if canImport(Glibc)
import Glibc
#endif

/// An OCI image layout directory (image-spec image-layout.md): `oci-layout`, `index.json`, `blobs/`.
///
/// References are `org.opencontainers.image.ref.name` annotations on `index.json` entries, as skopeo
/// and umoci write them. Klein keeps its scratch files and locks in a `.klein` directory at the root,
/// which other tools ignore. Writers hold a shared lock while they add content; `gc` takes it exclusively.
public struct OCILayout: Sendable {
    /// The layout's directory.
    public let path: String
    /// The layout's `blobs` directory as a verifying store.
    public let blobs: BlobStore

    static let layoutVersion = "1.0.0"
    var indexPath: String { "\(path)/index.json" }
    var kleinDirectory: String { "\(path)/.klein" }

    private init(path: String) {
        self.path = path
        self.blobs = BlobStore(root: "\(path)/blobs", scratch: "\(path)/.klein/ingest")
    }

    /// Opens an existing layout, checking its `oci-layout` file.
    public init(opening path: String) throws(StoreError) {
        self.init(path: path)
        let markerPath = "\(path)/oci-layout"
        guard FileSystem.isDirectory(path) else { throw .invalidLayout(path: path, reason: "no such directory") }
        guard FileSystem.exists(markerPath) else { throw .invalidLayout(path: path, reason: "no oci-layout file") }
        let bytes = try Self.readFile(markerPath, limit: 1 << 16)
        let version: String?
        do { version = try JSONParser.parse(bytes).objectValue?["imageLayoutVersion"]?.stringValue } catch {
            throw .invalidContent(what: markerPath, error: error)
        }
        guard let version else { throw .invalidLayout(path: path, reason: "oci-layout has no imageLayoutVersion") }
        guard version.hasPrefix("1.") else {
            throw .invalidLayout(path: path, reason: "unsupported imageLayoutVersion \"\(version)\" (supported: 1.x)")
        }
    }

    /// Creates a layout at `path` (and its parents), or opens the layout already there.
    public static func create(at path: String) throws(StoreError) -> OCILayout {
        if FileSystem.exists("\(path)/oci-layout") { return try OCILayout(opening: path) }
        if FileSystem.exists(path) && !FileSystem.isDirectory(path) {
            throw .invalidLayout(path: path, reason: "exists and is not a directory")
        }
        let layout = OCILayout(path: path)
        try StoreError.wrap { () throws(SystemError) in
            try FileSystem.makeDirectories(layout.blobs.scratch)
            try FileSystem.makeDirectories("\(layout.blobs.root)/sha256")
        }
        if !FileSystem.exists(layout.indexPath) {
            try layout.writeIndex(ImageIndex(manifests: []))
        }
        let marker = JSONValue.object(["imageLayoutVersion": .string(layoutVersion)]).canonicalBytes
        try StoreError.wrap { () throws(SystemError) in try FileSystem.writeAtomically(marker, to: "\(path)/oci-layout", scratch: layout.blobs.scratch) }
        return layout
    }

    /// The layout's `index.json`.
    public func index() throws(StoreError) -> ImageIndex {
        let bytes = try Self.readFile(indexPath, limit: 64 << 20)
        do { return try ImageIndex(jsonBytes: bytes) } catch { throw .invalidContent(what: indexPath, error: error) }
    }

    /// Writes `index.json` atomically. Callers hold `indexLock`.
    func writeIndex(_ index: ImageIndex) throws(StoreError) {
        try StoreError.wrap { () throws(SystemError) in
            try FileSystem.makeDirectories(blobs.scratch)
            try FileSystem.writeAtomically(index.canonicalJSON, to: indexPath, scratch: blobs.scratch)
        }
    }

    /// Reads a whole small file.
    static func readFile(_ path: String, limit: Int) throws(StoreError) -> [UInt8] {
        let file = try StoreError.wrap { () throws(SystemError) in try POSIXFile.open(path, flags: O_RDONLY) }
        let size = try StoreError.wrap { () throws(SystemError) in try file.size() }
        guard size <= limit else { throw .invalidLayout(path: path, reason: "file is larger than \(limit) bytes") }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let count = try bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(SystemError) in try file.readFully(into: buffer) }
        }.mapError(StoreError.system).get()
        return Array(bytes.prefix(count))
    }

    // MARK: Locks

    /// Held (shared) by every writer while it adds blobs and entries, so `gc` never sweeps content that
    /// is about to become referenced; `gc` holds it exclusively.
    func contentLock(exclusive: Bool) throws(StoreError) -> POSIXFile {
        try lock(named: "content.lock", exclusive: exclusive)
    }

    /// Serializes read-modify-write cycles of `index.json`.
    func indexLock() throws(StoreError) -> POSIXFile {
        try lock(named: "index.lock", exclusive: true)
    }

    private func lock(named name: String, exclusive: Bool) throws(StoreError) -> POSIXFile {
        try StoreError.wrap { () throws(SystemError) in
            try FileSystem.makeDirectories(kleinDirectory)
            let file = try POSIXFile.open("\(kleinDirectory)/\(name)", flags: O_RDWR | O_CREAT, mode: 0o644)
            try file.lock(exclusive: exclusive)
            return file
        }
    }

    /// The shared content lock as a value, for writers that cannot run inside `withWriteAccess` (async
    /// transfers): held until the returned file is released.
    package func acquireWriteAccess() throws(StoreError) -> POSIXFile {
        try contentLock(exclusive: false)
    }

    /// Runs `body` while holding the shared content lock: blobs written inside stay safe from `gc`
    /// until they are referenced from `index.json`.
    public func withWriteAccess<T>(_ body: () throws -> T) throws -> T {
        let lock = try contentLock(exclusive: false)
        defer { withExtendedLifetime(lock) {} }
        return try body()
    }
}
