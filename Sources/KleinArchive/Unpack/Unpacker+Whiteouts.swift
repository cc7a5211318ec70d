#if canImport(Glibc)
import Glibc
#endif

extension Unpacker {
    static let opaqueMarker = ".wh..wh..opq"

    /// `.wh.<name>` removes `<name>` from lower layers; `.wh..wh..opq` hides all lower children of its
    /// directory (layer.md, "Whiteouts"). Either spares what this layer itself created.
    func applyWhiteout(_ entry: TarEntry, parentComponents: [String], name: String, layer: inout LayerApplication) throws(ArchiveError) {
        let target = String(name.dropFirst(4))
        if name != Self.opaqueMarker {
            guard !target.hasPrefix(".wh."), !target.isEmpty, target != ".", target != ".." else {
                throw .unsafeEntry(layer: layer.index, entry: entry.path, reason: "\"\(name)\" is a reserved or malformed whiteout name")
            }
        }
        let parent: Int32
        do { parent = try root.openDirectory(parentComponents, create: false) } catch {
            if error.errno == ENOENT { return }  // nothing below to hide
            throw .invalidLayerEntry(layer: layer.index, entry: entry.path, reason: "\(error.reason): \(String(cString: strerror(error.errno)))")
        }
        defer { close(parent) }
        let parentPath = parentComponents.joined(separator: "/")
        if name == Self.opaqueMarker {
            return try hideLowerChildren(of: parent, path: parentPath, entry: entry, layer: layer)
        }
        let targetPath = parentPath.isEmpty ? target : "\(parentPath)/\(target)"
        if layer.created.contains(targetPath) { return }
        if layer.ancestors.contains(targetPath) {
            // This layer put things below the target: hide only what lower layers had there.
            let directory = openat(parent, target, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard directory >= 0 else { return }
            defer { close(directory) }
            return try hideLowerChildren(of: directory, path: targetPath, entry: entry, layer: layer)
        }
        try remove(parent, target, entry: entry, layer: layer.index)
    }

    private func hideLowerChildren(of directory: Int32, path: String, entry: TarEntry, layer: LayerApplication) throws(ArchiveError) {
        let children: [String]
        do { children = try listDirectory(directory) } catch {
            throw .invalidLayerEntry(layer: layer.index, entry: entry.path, reason: "\(error.reason): \(String(cString: strerror(error.errno)))")
        }
        for child in children {
            let childPath = path.isEmpty ? child : "\(path)/\(child)"
            guard layer.touched(childPath) else {
                try remove(directory, child, entry: entry, layer: layer.index)
                continue
            }
            guard let info = statNoFollow(directory, child), isDirectory(info) else { continue }
            let next = openat(directory, child, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else { continue }
            defer { close(next) }
            try hideLowerChildren(of: next, path: childPath, entry: entry, layer: layer)
        }
    }
}
