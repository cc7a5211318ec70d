import Foundation
import Testing

/// Images for the client tests, built with umoci and `klein layer add`.
enum TransferFixtures {
    /// A layout `<scratch>/<name>` with image `ref` of `layers` layers of random files (`size` bytes each),
    /// for `architecture`.
    static func image(in scratch: Scratch, name: String = "source", ref: String = "app", layers: Int = 2,
                      size: Int = 300_000, architecture: String? = nil) throws -> String {
        let layout = "\(scratch.path)/\(name)"
        if !FileManager.default.fileExists(atPath: "\(layout)/oci-layout") {
            try Tools.peer("umoci", "init", "--layout", layout)
        }
        try Tools.peer("umoci", "new", "--image", "\(layout):\(ref)")
        if let architecture {
            try Tools.peer("umoci", "config", "--image", "\(layout):\(ref)", "--architecture", architecture, "--os", "linux")
        }
        for index in 0..<layers {
            let directory = "\(scratch.path)/\(name)-\(ref)-layer\(index)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try TestContent.randomBytes(size).write(to: URL(fileURLWithPath: "\(directory)/data-\(index).bin"))
            try Data("layer \(index) of \(ref)\n".utf8).write(to: URL(fileURLWithPath: "\(directory)/note-\(index).txt"))
            try Tools.klein("layer", "add", "\(layout):\(ref)", directory)
        }
        return layout
    }

    /// The digest of `ref` in a layout's index.json.
    static func digest(layout: String, ref: String) throws -> String {
        try RegistryFixtures.manifestDigest(layout: layout, ref: ref)
    }

    /// `host:port` of a registry under test.
    static func host(_ registry: RegistryUnderTest) -> String {
        "\(registry.base.host ?? "127.0.0.1"):\(registry.base.port ?? 80)"
    }

    /// Runs klein and returns the first line of its output, trimmed.
    static func line(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try Tools.run("klein", arguments)
        #expect(result.succeeded, "klein \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout.split(separator: "\n").first.map(String.init) ?? ""
    }

    /// Runs klein expecting failure; returns its stderr.
    static func failure(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try Tools.run("klein", arguments)
        #expect(!result.succeeded, "klein \(arguments.joined(separator: " ")) should have failed: \(result.stdout)", sourceLocation: sourceLocation)
        return result.stderr
    }
}
