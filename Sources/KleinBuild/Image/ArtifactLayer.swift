import Foundation
import KleinArchive
import KleinOCI

/// What an artifact's layer is made from: the source bytes as the image embeds them.
enum SourceContent {
    /// A canonical tree archive (written by `LayerWriter`, paths relative to the tree) at `path`.
    case tree(path: String, digest: Digest)
    /// One file's raw bytes, placed under `name` when `dest` ends in `/`.
    case file(path: String, digest: Digest, name: String)
    /// A Debian package; its data archive (`dpkg-deb --fsys-tarfile`) is the tree.
    case debianPackage(path: String, digest: Digest)
    /// Files named by `org.opencontainers.image.title`, placed under `dest`.
    case files([(name: String, path: String, digest: Digest)])
}

/// Writes the layer of one artifact from its embedded source content: the same code for build and
/// rebuild, so a rebuild regenerates every layer byte from the sources alone.
///
/// Entries of a tree keep their order, type and mode; paths move under `dest` (whose parent
/// directories are emitted first, 0755), owners become the artifact's `owner` (else 0:0, or the
/// package's own for `deb`), user and group names are dropped and every mtime is the epoch.
struct ArtifactLayer {
    let artifact: BuildSpec.Artifact
    let epoch: Int64
    let compression: LayerCompression

    /// True when the layer is the tree archive itself: a tree placed at `/` with no owner change.
    static func isIdentity(_ artifact: BuildSpec.Artifact, _ content: SourceContent) -> Bool {
        guard case .tree = content else { return false }
        return artifact.dest == "/" && artifact.owner == nil
    }

    /// The layer of an identity artifact, which is its embedded tree archive byte for byte: the
    /// archive's digest is checked as it is read, and the diff_id is the digest of its
    /// decompressed bytes. Writing the archive again would copy it through the same rules that
    /// made it, so `rebuild` reads it instead.
    func identityLayer(path: String, digest: Digest) throws(BuildError) -> LayerWriter.Result {
        let archive = VerifiedFile(path: path, digest: digest)
        do throws(ArchiveError) {
            // Decompression and the archive's digest run on another core while the diff_id is hashed here.
            let uncompressed = HashingSource(PrefetchingSource(try Compression.decompressor(compression, upstream: archive)))
            try uncompressed.drain()
            try archive.drainAndCheck()
            return LayerWriter.Result(digest: digest, diffID: uncompressed.digest, size: try archive.size(), mediaType: compression.layerMediaType)
        } catch {
            throw .archive(what: "artifact \"\(artifact.name)\": reading its layer", error)
        }
    }

    func write(from content: SourceContent, to sink: ByteSink) throws(BuildError) -> LayerWriter.Result {
        var packageData: StreamingCommand?
        if case let .debianPackage(path, digest) = content {
            do { try VerifiedFile(path: path, digest: digest).drainAndCheck() } catch {
                throw .archive(what: "artifact \"\(artifact.name)\"", error)
            }
            packageData = try Command("dpkg-deb", ["--fsys-tarfile", path]).stream()
        }
        let result: LayerWriter.Result
        do throws(ArchiveError) {
            let stream = try LayerStream(compression: compression, to: sink)
            let tar = TarWriter(sink: stream.input)
            let root = Self.relative(artifact.dest)
            switch content {
            case let .tree(path, digest):
                try rejectMode(for: "a directory")
                try emitDirectories(root, ownedLast: true, to: tar)
                try copyTree(from: VerifiedFile(path: path, digest: digest), compressed: true, under: root, keepOwners: false, to: tar)
            case .debianPackage:
                try rejectMode(for: "a Debian package")
                try emitDirectories(root, ownedLast: true, to: tar)
                try copyTree(from: packageData!.stream, compressed: false, under: root, keepOwners: true, to: tar)
            case let .file(path, digest, name):
                let target = artifact.dest.hasSuffix("/") ? root + name : String(root.dropLast())
                try emitDirectories((target as NSString).deletingLastPathComponent, ownedLast: false, to: tar)
                try appendFile(at: target, from: path, digest: digest, to: tar)
            case let .files(files):
                try emitDirectories(root, ownedLast: true, to: tar)
                for file in files.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
                    try appendFile(at: root + file.name, from: file.path, digest: file.digest, to: tar)
                }
            }
            try tar.finish()
            result = stream.result
        } catch {
            throw .archive(what: "artifact \"\(artifact.name)\": writing its layer", error)
        }
        try packageData?.finish()
        return result
    }

    private func rejectMode(for what: String) throws(ArchiveError) {
        guard artifact.mode == nil else {
            throw .invalidEntry(name: artifact.dest, reason: "mode applies to single-file sources; this source is \(what), whose entries keep their own modes")
        }
    }

    /// `/usr/local/bin/` → `usr/local/bin/`; `/` → ``.
    static func relative(_ dest: String) -> String {
        let trimmed = dest.drop { $0 == "/" }
        guard !trimmed.isEmpty else { return "" }
        return trimmed.hasSuffix("/") ? String(trimmed) : String(trimmed) + "/"
    }

    private var uid: Int64 { artifact.owner?.uid ?? 0 }
    private var gid: Int64 { artifact.owner?.gid ?? 0 }

    /// Each directory of `directory` (`a/b/`: `a/`, then `a/b/`), 0755; the last one gets the
    /// artifact's owner when it is the artifact's own tree.
    private func emitDirectories(_ directory: String, ownedLast: Bool, to tar: TarWriter) throws(ArchiveError) {
        let components = directory.split(separator: "/")
        var prefix = ""
        for (index, component) in components.enumerated() {
            prefix += component + "/"
            let owned = ownedLast && index == components.count - 1
            let entry = TarEntry(path: BytePath(prefix), kind: .directory, mode: 0o755, uid: owned ? uid : 0, gid: owned ? gid : 0, modificationTime: epoch)
            try tar.append(entry, contents: nil)
        }
    }

    private func appendFile(at path: String, from file: String, digest: Digest, to tar: TarWriter) throws(ArchiveError) {
        let source = VerifiedFile(path: file, digest: digest)
        let size = try source.size()
        let entry = TarEntry(path: BytePath(path), kind: .regular, mode: artifact.mode ?? 0o644,
                             size: size, uid: uid, gid: gid, modificationTime: epoch)
        try tar.append(entry, contents: source)
        try source.drainAndCheck()
    }

    /// Copies every entry of a tar stream under `root`, rejecting names that leave it.
    private func copyTree(from upstream: ByteSource, compressed: Bool, under root: String, keepOwners: Bool, to tar: TarWriter) throws(ArchiveError) {
        let verified = upstream as? VerifiedFile
        let source = compressed ? PrefetchingSource(try Compression.autoDecompressor(upstream: upstream).0) : upstream
        let reader = TarReader(source: source)
        let contents = EntryContents(reader)
        while var entry = try reader.next() {
            guard let path = try Self.inside(entry.path) else { continue }
            entry.path = BytePath(root) + path
            if entry.kind == .hardlink {
                guard let target = try Self.inside(entry.linkTarget) else {
                    throw .invalidEntry(name: entry.path.description, reason: "a hardlink to the tree's root")
                }
                entry.linkTarget = BytePath(root) + target
            }
            if !keepOwners || artifact.owner != nil {
                entry.uid = uid
                entry.gid = gid
            }
            entry.userName = ""
            entry.groupName = ""
            entry.modificationTime = epoch
            try tar.append(entry, contents: entry.kind == .regular && entry.size > 0 ? contents : nil)
        }
        try source.drain()
        try verified?.drainAndCheck()
    }

    /// A member name relative to the tree (`./a/b` → `a/b`), nil for the root itself; `..` and
    /// absolute names are refused. Names are kept byte for byte, UTF-8 or not.
    static func inside(_ name: BytePath) throws(ArchiveError) -> BytePath? {
        let components = name.components.filter { !$0.isDot }
        if components.contains(where: \.isDotDot) || name.bytes.contains(0) {
            throw .invalidEntry(name: name.description, reason: "the name leaves the artifact's tree")
        }
        guard !components.isEmpty else { return nil }
        return BytePath(joining: components) + (name.hasTrailingSlash ? "/" : "")
    }
}

/// The contents of the current entry of a tar reader, as a byte source.
final class EntryContents: ByteSource {
    private let reader: TarReader
    init(_ reader: TarReader) { self.reader = reader }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int { try reader.readContents(into: buffer) }
}

/// A blob file read once, whose digest is checked when it has been read to the end: embedded
/// sources are verified as they are used.
final class VerifiedFile: ByteSource {
    let path: String
    let expected: Digest
    private var hashing: HashingSource?

    init(path: String, digest: Digest) {
        self.path = path
        expected = digest
    }

    func size() throws(ArchiveError) -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .io(path: path, operation: "stat", errno: errno) }
        return Int64(info.st_size)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        if hashing == nil { hashing = HashingSource(try FileSource(path: path)) }
        return try hashing!.read(into: buffer)
    }

    /// Reads what is left and checks the digest.
    func drainAndCheck() throws(ArchiveError) {
        try drain()
        try checkDigest()
    }

    func checkDigest() throws(ArchiveError) {
        guard let hashing, hashing.digest == expected else {
            throw .destination(what: path, reason: "content is \(hashing?.digest.description ?? "unread"), not \(expected): the embedded source was altered")
        }
    }
}
