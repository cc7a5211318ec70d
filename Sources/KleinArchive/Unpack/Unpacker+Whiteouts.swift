#if canImport(Glibc)
import Glibc
#endif

extension Unpacker {
    /// The prefix of a whiteout's name, compared as bytes.
    static let whiteoutPrefix: BytePath = ".wh."
    static let opaqueMarker: BytePath = ".wh..wh..opq"

    /// Refuses reserved or malformed whiteout names as soon as they are read.
    static func validateWhiteout(_ entry: TarEntry, name: BytePath, layer: Int) throws(ArchiveError) {
        guard name != opaqueMarker else { return }
        let target = name.dropFirst(whiteoutPrefix.bytes.count)
        guard !target.hasPrefix(whiteoutPrefix), !target.isEmpty, !target.isDot, !target.isDotDot else {
            throw .unsafeEntry(layer: layer, entry: entry.path.description, reason: "\"\(name)\" is a reserved or malformed whiteout name")
        }
    }

    /// `.wh.<name>` removes `<name>` from lower layers; `.wh..wh..opq` hides all lower children of its
    /// directory (layer.md, "Whiteouts"). Applied after the layer's entries, either spares every node the
    /// layer created, by identity, so the result does not depend on entry order or on the path used.
    func applyWhiteout(_ entry: TarEntry, parentComponents: [BytePath], name: BytePath, layer: LayerApplication) throws(ArchiveError) {
        // A path through a symlink this layer made did not exist in the lower layers: nothing to hide.
        if passesThroughOwnSymlink(parentComponents, layer: layer) { return }
        let parent: Int32
        do { parent = try root.openDirectory(parentComponents, create: false) } catch {
            if error.errno == ENOENT || error.errno == ENOTDIR { return }  // nothing below to hide
            throw .invalidLayerEntry(layer: layer.index, entry: entry.path.description, reason: "\(error.reason): \(String(cString: strerror(error.errno)))")
        }
        defer { close(parent) }
        if name == Self.opaqueMarker {
            return try hideLowerChildren(of: parent, entry: entry, layer: layer)
        }
        let target = name.dropFirst(Self.whiteoutPrefix.bytes.count)
        guard let info = statNoFollow(parent, target) else { return }
        let node = FileIdentity(info)
        if layer.createdNodes.contains(node) && !isDirectory(info) { return }
        if layer.touched(node) && isDirectory(info) {
            // This layer made or merged into the directory, or put things below it: the directory stays,
            // and only what lower layers had in it is hidden.
            let directory = target.withCString { openat(parent, $0, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            guard directory >= 0 else { return }
            defer { close(directory) }
            return try hideLowerChildren(of: directory, entry: entry, layer: layer)
        }
        try remove(parent, target, entry: entry, layer: layer.index)
    }

    /// Whether resolving `components` from the root meets a symlink that this layer created (found by
    /// node identity, whatever path reached it).
    private func passesThroughOwnSymlink(_ components: [BytePath], layer: LayerApplication) -> Bool {
        for depth in components.indices {
            guard let directory = try? root.openDirectory(Array(components[..<depth]), create: false) else { return false }
            defer { close(directory) }
            if let info = statNoFollow(directory, components[depth]), (info.st_mode & S_IFMT) == S_IFLNK,
               layer.createdNodes.contains(FileIdentity(info)) {
                return true
            }
        }
        return false
    }

    private func hideLowerChildren(of directory: Int32, entry: TarEntry, layer: LayerApplication) throws(ArchiveError) {
        let children: [BytePath]
        do { children = try listDirectory(directory) } catch {
            throw .invalidLayerEntry(layer: layer.index, entry: entry.path.description, reason: "\(error.reason): \(String(cString: strerror(error.errno)))")
        }
        for child in children {
            guard let info = statNoFollow(directory, child) else { continue }
            guard layer.touched(FileIdentity(info)) else {
                try remove(directory, child, entry: entry, layer: layer.index)
                continue
            }
            guard isDirectory(info) else { continue }
            let next = child.withCString { openat(directory, $0, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
            guard next >= 0 else { continue }
            defer { close(next) }
            try hideLowerChildren(of: next, entry: entry, layer: layer)
        }
    }
}
