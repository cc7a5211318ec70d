import KleinOCI

extension OCILayout {
    /// A descriptor reached while walking the content graph, with the path that reached it.
    struct Reached {
        let descriptor: Descriptor
        /// How it was reached, e.g. `index.json manifests[0] > layers[2]`.
        let trail: String
    }

    /// Walks the graph from `index.json`: indexes to their manifests, manifests to config and layers, and
    /// referrers (stored manifests whose `subject` is reached) to theirs. Calls `visit` once per digest.
    /// Unreadable or missing manifests are reported through `visit` and not followed.
    func walk(_ visit: (Reached, _ problem: String?) -> Void) throws(StoreError) {
        var seen = Set<Digest>()
        var pending = try index().manifests.enumerated().map { Reached(descriptor: $1, trail: "index.json manifests[\($0)]") }
        var referrerCandidates: [Digest]?
        while true {
            while let item = pending.popLast() {
                guard seen.insert(item.descriptor.digest).inserted else { continue }
                let problem = check(item.descriptor)
                visit(item, problem)
                guard problem == nil, item.descriptor.mediaType.isManifest else { continue }
                do {
                    let manifest = try Manifest.parse(try blobs.read(item.descriptor.digest), declared: item.descriptor.mediaType)
                    let names = manifest.childFieldNames
                    for (position, child) in manifest.children.enumerated() {
                        pending.append(Reached(descriptor: child, trail: "\(item.trail) > \(names[position])"))
                    }
                } catch {
                    visit(item, "unreadable manifest: \(error)")
                }
            }
            // Referrers whose subject is reachable are reachable too (image-spec manifest.md, "subject").
            if referrerCandidates == nil { referrerCandidates = try storedReferrerCandidates() }
            var found = false
            referrerCandidates!.removeAll { digest in
                guard !seen.contains(digest), let (descriptor, subject) = referrer(digest), seen.contains(subject) else { return false }
                pending.append(Reached(descriptor: descriptor, trail: "referrer of \(subject)"))
                found = true
                return true
            }
            if !found { return }
        }
    }

    /// A problem with a stored blob against its descriptor, or nil.
    private func check(_ descriptor: Descriptor) -> String? {
        do {
            let size = try blobs.size(of: descriptor.digest)
            return size == descriptor.size ? nil : "size is \(size) bytes, descriptor says \(descriptor.size)"
        } catch {
            if case .blobNotFound = error { return "missing" }
            return "\(error)"
        }
    }

    /// Small stored blobs that might be manifests: the only ones that can be referrers.
    func storedReferrerCandidates() throws(StoreError) -> [Digest] {
        try blobs.list().blobs.filter { (try? blobs.size(of: $0)).map { $0 <= 4 << 20 } ?? false }
    }

    /// If the blob is a manifest with a subject: its descriptor as a referrers listing gives it
    /// (distribution-spec, "Listing Referrers": artifactType and annotations included) and the subject's digest.
    func referrer(_ digest: Digest) -> (Descriptor, Digest)? {
        guard let bytes = try? blobs.read(digest, limit: 4 << 20), bytes.first == UInt8(ascii: "{"),
              let manifest = try? Manifest.parse(bytes), let subject = manifest.subject else { return nil }
        let descriptor = Descriptor(mediaType: manifest.mediaType, digest: digest, size: Int64(bytes.count),
                                    annotations: manifest.annotations, artifactType: manifest.artifactType)
        return (descriptor, subject.digest)
    }
}

extension Manifest {
    /// Field names of `children`, for locating a child in messages.
    var childFieldNames: [String] {
        switch self {
        case let .image(manifest): ["config"] + manifest.layers.indices.map { "layers[\($0)]" }
        case let .index(index): index.manifests.indices.map { "manifests[\($0)]" }
        }
    }
}

extension OCILayout {
    /// Stored manifests whose `subject` is `digest`, sorted by digest.
    public func referrers(of digest: Digest) throws(StoreError) -> [Descriptor] {
        try storedReferrerCandidates().compactMap { candidate in
            guard let (descriptor, subject) = referrer(candidate), subject == digest else { return nil }
            return descriptor
        }
    }
}
