import KleinOCI
@testable import KleinStore

/// Writes small images, indexes and referrers into a layout through the public API.
struct LayoutBuilder {
    let layout: OCILayout

    @discardableResult
    func image(layers: [String], name: String?, architecture: String = "amd64") throws -> Descriptor {
        let layerDescriptors = try layers.map { content in
            let bytes = Array(content.utf8)
            return Descriptor(mediaType: .ociLayer, digest: try layout.blobs.write(bytes), size: Int64(bytes.count))
        }
        var config = ImageConfiguration(architecture: architecture, os: "linux")
        config.rootfs.diffIDs = layerDescriptors.map(\.digest)
        let configBytes = config.canonicalJSON
        try layout.blobs.write(configBytes)
        let manifest = ImageManifest(config: Descriptor(mediaType: .ociConfig, bytes: configBytes), layers: layerDescriptors)
        return try store(.image(manifest), name: name, platform: config.platform)
    }

    @discardableResult
    func index(_ manifests: [Descriptor], name: String?) throws -> Descriptor {
        try store(.index(ImageIndex(manifests: manifests)), name: name)
    }

    @discardableResult
    func referrer(to subject: Descriptor, content: String, name: String? = nil) throws -> Descriptor {
        let bytes = Array(content.utf8)
        let layer = Descriptor(mediaType: .spdxJSON, digest: try layout.blobs.write(bytes), size: Int64(bytes.count))
        try layout.blobs.write(Array("{}".utf8))
        var subjectDescriptor = subject
        subjectDescriptor.platform = nil
        let manifest = ImageManifest(artifactType: .spdxJSON, config: .empty, layers: [layer], subject: subjectDescriptor)
        return try store(.image(manifest), name: name)
    }

    /// Stores a manifest blob; lists it in index.json only when `name` is given.
    func store(_ manifest: Manifest, name: String?, platform: Platform? = nil) throws -> Descriptor {
        let bytes: [UInt8]
        switch manifest {
        case let .image(image): bytes = image.canonicalJSON
        case let .index(index): bytes = index.canonicalJSON
        }
        var descriptor = Descriptor(mediaType: manifest.mediaType, digest: try layout.blobs.write(bytes), size: Int64(bytes.count))
        descriptor.platform = platform
        if let name { try layout.addEntry(descriptor, name: name) }
        return descriptor
    }
}

/// A fresh layout in a temporary directory, with a builder for it.
struct LayoutFixture {
    let directory: TemporaryDirectory
    let layout: OCILayout
    let build: LayoutBuilder

    init() throws {
        directory = try TemporaryDirectory()
        layout = try OCILayout.create(at: "\(directory.path)/layout")
        build = LayoutBuilder(layout: layout)
    }
}
