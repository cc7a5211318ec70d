import KleinOCI

extension OCILayout {
    /// A named reference in `index.json`.
    public struct Ref: Sendable, Hashable {
        /// The `org.opencontainers.image.ref.name` annotation.
        public let name: String
        /// The `index.json` entry it names.
        public let descriptor: Descriptor
    }

    /// Every named entry of `index.json`, in file order.
    public func refs() throws(StoreError) -> [Ref] {
        try index().manifests.compactMap { descriptor in descriptor.refName.map { Ref(name: $0, descriptor: descriptor) } }
    }

    /// Resolves a ref name, or a digest of an `index.json` entry or stored manifest, to its descriptor.
    /// An empty selector picks the only entry of a layout that has exactly one.
    public func resolve(_ selector: String) throws(StoreError) -> Descriptor {
        let manifests = try index().manifests
        if selector.isEmpty {
            guard manifests.count == 1 else {
                let reason = manifests.isEmpty ? "the layout is empty" : "it has \(manifests.count) entries; name one (\(manifests.compactMap(\.refName).joined(separator: ", ")))"
                throw .invalidLayout(path: path, reason: "no reference given and \(reason)")
            }
            return manifests[0]
        }
        if let digest = try? Digest(selector) {
            if let entry = manifests.first(where: { $0.digest == digest }) { return entry }
            guard blobs.exists(digest) else { throw .blobNotFound(digest: digest, store: blobs.root) }
            return try descriptorOfStoredManifest(digest)
        }
        guard let entry = manifests.last(where: { $0.refName == selector }) else {
            throw .refNotFound(name: selector, layout: path)
        }
        return entry
    }

    /// A descriptor for a manifest that is stored but not listed in `index.json`.
    func descriptorOfStoredManifest(_ digest: Digest) throws(StoreError) -> Descriptor {
        let bytes = try blobs.read(digest)
        let manifest: Manifest
        do { manifest = try Manifest.parse(bytes) } catch { throw .invalidContent(what: blobs.path(for: digest), error: error) }
        return Descriptor(mediaType: manifest.mediaType, digest: digest, size: Int64(bytes.count))
    }

    /// Lists `descriptor` in `index.json` under `name` (replacing the entry that had the name), or
    /// unnamed when `name` is nil. The manifest and everything it references must already be stored.
    public func addEntry(_ descriptor: Descriptor, name: String?) throws(StoreError) {
        if let name { try Self.validateRefName(name) }
        guard blobs.exists(descriptor.digest) else { throw .blobNotFound(digest: descriptor.digest, store: blobs.root) }
        let lock = try indexLock()
        defer { withExtendedLifetime(lock) {} }
        var index = try index()
        var entry = descriptor
        entry.annotations?[AnnotationKey.refName] = nil
        if let name {
            index.manifests.removeAll { $0.refName == name }
            entry.annotations = (entry.annotations ?? [:]).merging([AnnotationKey.refName: name]) { $1 }
        } else if index.manifests.contains(where: { $0.digest == entry.digest && $0.refName == nil }) {
            return
        }
        if entry.annotations?.isEmpty == true { entry.annotations = nil }
        index.manifests.append(entry)
        try writeIndex(index)
    }

    /// Gives the entry selected by `selector` (see `resolve`) the additional name `name`.
    public func tag(_ selector: String, as name: String) throws(StoreError) {
        let descriptor = try resolve(selector)
        let lock = try contentLock(exclusive: false)
        defer { withExtendedLifetime(lock) {} }
        try addEntry(descriptor, name: name)
    }

    /// Removes the name `name` from `index.json`; the content stays until `gc`.
    public func untag(_ name: String) throws(StoreError) {
        let lock = try indexLock()
        defer { withExtendedLifetime(lock) {} }
        var index = try index()
        let before = index.manifests.count
        index.manifests.removeAll { $0.refName == name }
        guard index.manifests.count < before else { throw .refNotFound(name: name, layout: path) }
        try writeIndex(index)
    }

    /// image-layout.md / annotations.md ref grammar:
    /// `component ("/" component)*`, component = alphanum (separator alphanum)*, separator = [-._:@+] or "--".
    public static func validateRefName(_ name: String) throws(StoreError) {
        guard !name.isEmpty else { throw .invalidRefName(name: name, reason: "must not be empty") }
        for component in name.split(separator: "/", omittingEmptySubsequences: false) {
            guard isValidRefComponent(component) else {
                throw .invalidRefName(name: name, reason: "each \"/\"-separated part must be letters and digits joined by one of - . _ : @ + or --")
            }
        }
    }

    private static func isValidRefComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
        }
        guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else { return false }
        var index = 0
        while index < bytes.count {
            if isAlphanumeric(bytes[index]) { index += 1; continue }
            let separatorLength = bytes[index] == UInt8(ascii: "-") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-") ? 2 : 1
            guard separatorLength == 2 || "-._:@+".utf8.contains(bytes[index]) else { return false }
            index += separatorLength
            guard index < bytes.count, isAlphanumeric(bytes[index]) else { return false }
        }
        return true
    }
}
