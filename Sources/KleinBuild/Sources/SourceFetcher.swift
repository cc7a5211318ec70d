import Foundation
import KleinArchive
import KleinClient
import KleinOCI
import KleinStore
import KleinSystem

/// An artifact's source as fetched: the blobs that embed it, what its layer is made from, and what
/// provenance records about it.
struct FetchedSource {
    /// Annotated descriptors for the build-sources manifest, in a fixed order.
    var blobs: [Descriptor]
    var content: SourceContent
    /// The tree archive as a layer, for artifacts whose layer is that archive.
    var treeLayer: LayerWriter.Result?
    var resolved: ResolvedDependency
}

/// A dependency as provenance records it (in-toto ResourceDescriptor: `uri`, `digest`, `name`).
public struct ResolvedDependency: Sendable, Hashable {
    /// The artifact's name (`base` for the base image).
    public var name: String
    /// Where the source is, as a URI.
    public var uri: String
    /// `sha256` of the embedded bytes, plus `gitCommit` for git sources.
    public var digest: [String: String]
}

/// Fetches sources from where the spec says they are and stores their bytes in `store`.
struct SourceFetcher {
    let spec: BuildSpec
    /// Local paths in the spec are relative to this directory.
    let context: String
    let store: BlobStore
    let work: WorkDirectory
    let session: RegistrySession
    /// Refuse content that differs from the spec's `sha256` (off for `verify`, which reports it).
    var enforcePins = true

    func fetch(_ artifact: BuildSpec.Artifact) async throws(BuildError) -> FetchedSource {
        switch artifact.source {
        // Sources read from disk or fetched by a tool (git, apt-get, dpkg-deb) are read with blocking
        // calls: on a thread of their own, not one of Swift's cooperative threads.
        case let .local(path):
            return try await onBackgroundThread { () throws(BuildError) in try local(artifact, path: resolve(path)) }
        case let .git(url, commit, ref, path):
            return try await onBackgroundThread { () throws(BuildError) in try git(artifact, url: url, revision: commit ?? ref ?? "", path: path) }
        case let .url(url, sha256):
            return try await download(artifact, url: url, sha256: sha256)
        case let .deb(name, version, sha256, file):
            return try await onBackgroundThread { () throws(BuildError) in
                try debianPackage(artifact, name: name, version: version, sha256: sha256, file: file.map(resolve))
            }
        case let .oci(image):
            return try await ociArtifact(artifact, image: image)
        }
    }

    private func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : "\(context)/\(path)"
    }

    private func local(_ artifact: BuildSpec.Artifact, path: String) throws(BuildError) -> FetchedSource {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .system(what: "artifact \"\(artifact.name)\": local path", SystemError(operation: "stat", path: path, errno: errno))
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            return try tree(artifact, directory: path, resolved: ResolvedDependency(name: artifact.name, uri: artifact.source.uri, digest: [:]))
        }
        let name = (path as NSString).lastPathComponent
        return try file(artifact, path: path, name: name, expected: nil, resolved: ResolvedDependency(name: artifact.name, uri: artifact.source.uri, digest: [:]))
    }

    /// Archives a directory canonically (LayerWriter's rules, the spec's epoch and compression).
    private func tree(_ artifact: BuildSpec.Artifact, directory: String, resolved: ResolvedDependency) throws(BuildError) -> FetchedSource {
        let result = try BuildError.wrap("archiving \(directory) for artifact \"\(artifact.name)\"") {
            try store.storeLayer { sink in try LayerWriter(compression: spec.compression, epoch: spec.epoch).write(directory: directory, to: sink) }
        }
        var resolved = resolved
        resolved.digest["sha256"] = result.digest.encoded
        let descriptor = annotated(Descriptor(mediaType: result.mediaType, digest: result.digest, size: result.size), artifact, role: .source, title: "\(artifact.name).tar")
        return FetchedSource(blobs: [descriptor], content: .tree(path: store.path(for: result.digest), digest: result.digest), treeLayer: result, resolved: resolved)
    }

    private func file(_ artifact: BuildSpec.Artifact, path: String, name: String, expected: String?, mediaType: MediaType = BuildMediaTypes.rawFile,
                      resolved: ResolvedDependency) throws(BuildError) -> FetchedSource {
        let pinned = try expected.flatMap { (text) throws(BuildError) in enforcePins ? try pinnedDigest(text, artifact) : nil }
        let stored: (digest: Digest, size: Int64)
        do { stored = try store.write(contentsOf: path, expecting: pinned) } catch {
            if case let .verificationFailed(_, cause) = error, case let .digestMismatch(expected, actual) = cause {
                throw .source(artifact: artifact.name, reason: "\(artifact.source.uri) has content \(actual), but the spec pins \(expected)")
            }
            throw .store(what: "artifact \"\(artifact.name)\": storing \(path)", error)
        }
        var resolved = resolved
        resolved.digest["sha256"] = stored.digest.encoded
        let descriptor = annotated(Descriptor(mediaType: mediaType, digest: stored.digest, size: stored.size), artifact, role: .source, title: name)
        let content: SourceContent = mediaType == BuildMediaTypes.debianPackage
            ? .debianPackage(path: store.path(for: stored.digest), digest: stored.digest)
            : .file(path: store.path(for: stored.digest), digest: stored.digest, name: name)
        return FetchedSource(blobs: [descriptor], content: content, treeLayer: nil, resolved: resolved)
    }

    private func pinnedDigest(_ hex: String, _ artifact: BuildSpec.Artifact) throws(BuildError) -> Digest {
        do { return try Digest("sha256:\(hex)") } catch { throw .content(what: "artifact \"\(artifact.name)\": sha256 \(hex)", error) }
    }

    private func git(_ artifact: BuildSpec.Artifact, url: String, revision: String, path: String?) throws(BuildError) -> FetchedSource {
        let repository = try work.make("git")
        let location = url.contains("://") || url.contains("@") || url.hasPrefix("/") ? url : resolve(url)
        try Command("git", ["clone", "--quiet", "--no-checkout", "--", location, repository]).run()
        let commit: String
        do {
            commit = try Command("git", ["rev-parse", "--verify", "--quiet", "\(revision)^{commit}"], in: repository).run()
                .trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw .source(artifact: artifact.name, reason: "commit \(revision) is not in \(url) (was its history rewritten?)")
        }
        let checkout = try work.make("tree")
        try Command("git", ["--work-tree=\(checkout)", "checkout", "--quiet", commit, "--", "."], in: repository).run()
        let resolved = ResolvedDependency(name: artifact.name, uri: "git+\(url)@\(commit)" + (path.map { "#\($0)" } ?? ""), digest: ["gitCommit": commit])
        let selected = path.map { "\(checkout)/\($0)" } ?? checkout
        var info = stat()
        guard lstat(selected, &info) == 0 else { throw .source(artifact: artifact.name, reason: "\(path ?? ".") is not in \(url) at \(commit)") }
        if info.st_mode & S_IFMT == S_IFDIR { return try tree(artifact, directory: selected, resolved: resolved) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .source(artifact: artifact.name, reason: "\(path ?? ".") in \(url) at \(commit) is not a file or directory") }
        return try file(artifact, path: selected, name: (selected as NSString).lastPathComponent, expected: nil, resolved: resolved)
    }

    private func download(_ artifact: BuildSpec.Artifact, url: String, sha256: String?) async throws(BuildError) -> FetchedSource {
        let target = try work.make("download") + "/file"
        try await Download.fetch(url, to: target, artifact: artifact.name)
        let name = URL(string: url)?.lastPathComponent.nonEmpty ?? "download"
        return try file(artifact, path: target, name: name, expected: sha256, resolved: ResolvedDependency(name: artifact.name, uri: url, digest: [:]))
    }

    private func debianPackage(_ artifact: BuildSpec.Artifact, name: String, version: String?, sha256: String?, file path: String?) throws(BuildError) -> FetchedSource {
        let package: String
        if let path {
            package = path
        } else {
            let directory = try work.make("apt")
            try Command("apt-get", ["download", "--quiet", "-o", "Acquire::Retries=3", version.map { "\(name)=\($0)" } ?? name], in: directory).run()
            let found = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter { $0.hasSuffix(".deb") } ?? []
            guard found.count == 1 else { throw .source(artifact: artifact.name, reason: "apt-get download \(name) left \(found.count) .deb files") }
            package = "\(directory)/\(found[0])"
        }
        let fields = try Command("dpkg-deb", ["--show", "--showformat=${Package}\\n${Version}\\n", package]).run().split(separator: "\n").map(String.init)
        guard fields.count == 2, fields[0] == name, version == nil || fields[1] == version else {
            throw .source(artifact: artifact.name, reason: "\(package) is \(fields.joined(separator: " ")), not \(name) \(version ?? "")")
        }
        let resolved = ResolvedDependency(name: artifact.name, uri: "pkg:deb/debian/\(name)@\(fields[1])", digest: [:])
        let title = "\(name)_\(fields[1].replacingOccurrences(of: ":", with: "%3a")).deb"
        return try file(artifact, path: package, name: title, expected: sha256, mediaType: BuildMediaTypes.debianPackage, resolved: resolved)
    }

    /// An OCI artifact: its manifest and titled layers, embedded; the titled files become the layer.
    private func ociArtifact(_ artifact: BuildSpec.Artifact, image: ImageSource) async throws(BuildError) -> FetchedSource {
        let (root, fetched) = try await ImageFetcher(session: session, work: work, context: context).fetch(image, platform: spec.platform, into: store)
        guard case let .image(manifest) = fetched.manifest else { throw .source(artifact: artifact.name, reason: "\(image) is not a manifest") }
        var blobs = [annotated(root, artifact, role: .ociManifest, title: nil)]
        var files: [(name: String, path: String, digest: Digest)] = []
        for layer in manifest.layers {
            guard let title = layer.annotations?[AnnotationKey.title], !title.isEmpty, !title.contains("/"), title != "..", title != "." else {
                throw .source(artifact: artifact.name, reason: "\(image): layer \(layer.digest) has no plain file name (org.opencontainers.image.title); an oci source is an artifact of named files, as oras push writes")
            }
            blobs.append(annotated(layer, artifact, role: .ociBlob, title: title))
            files.append((title, store.path(for: layer.digest), layer.digest))
        }
        let resolved = ResolvedDependency(name: artifact.name, uri: image.text, digest: ["sha256": root.digest.encoded])
        return FetchedSource(blobs: blobs, content: .files(files), treeLayer: nil, resolved: resolved)
    }

    private func annotated(_ descriptor: Descriptor, _ artifact: BuildSpec.Artifact, role: BuildAnnotations.Role, title: String?) -> Descriptor {
        var descriptor = descriptor
        var annotations = [BuildAnnotations.artifact: artifact.name, BuildAnnotations.role: role.rawValue]
        annotations[AnnotationKey.title] = title
        descriptor.annotations = annotations
        descriptor.platform = nil
        return descriptor
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
