import Foundation
import Testing

/// Runs the real `klein` binary for the registry client tests, in a hermetic credential environment:
/// `DOCKER_CONFIG` is a directory of the test's own (so the user's `~/.docker/config.json` is never read or
/// written), and `REGISTRY_AUTH_FILE` and `XDG_RUNTIME_DIR` are empty (which Klein treats as unset).
struct ClientCLI {
    let scratch: Scratch
    var environment: [String: String]

    init(scratch: Scratch, extra: [String: String] = [:]) {
        self.scratch = scratch
        // No backtracer: a crash still prints its "Fatal error" line, without a minute of symbolication.
        environment = ["DOCKER_CONFIG": "\(scratch.path)/docker-config", "REGISTRY_AUTH_FILE": "", "XDG_RUNTIME_DIR": "",
                       "SWIFT_BACKTRACE": "enable=no"]
            .merging(extra) { _, new in new }
    }

    /// `$DOCKER_CONFIG/config.json`.
    var dockerConfigFile: String { "\(environment["DOCKER_CONFIG"]!)/config.json" }

    /// Runs `klein arguments…` and returns the result whatever it is.
    func run(_ arguments: [String], stdin: String? = nil) throws -> ClientRun {
        let started = ContinuousClock.now
        let process = try Tools.start("klein", arguments, environment: environment, stdin: stdin)
        process.process.waitUntilExit()
        let signaled = process.process.terminationReason == .uncaughtSignal
        return ClientRun(arguments: arguments, result: process.finish(), duration: ContinuousClock.now - started, signaled: signaled)
    }

    /// Runs `klein arguments…` and requires exit status 0 (the test stops otherwise, printing klein's stderr).
    @discardableResult
    func succeed(_ arguments: [String], stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> ClientRun {
        let run = try self.run(arguments, stdin: stdin)
        try #require(run.result.succeeded, "\(run)", sourceLocation: sourceLocation)
        return run
    }

    /// Runs `klein arguments…` and expects a non-zero exit with a one-line error on stderr (at most a few
    /// lines, none of them a Swift crash report). Returns the run.
    @discardableResult
    func fail(_ arguments: [String], stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> ClientRun {
        let run = try self.run(arguments, stdin: stdin)
        #expect(run.result.status != 0, "expected a failure: \(run)", sourceLocation: sourceLocation)
        #expect(!run.signaled, "klein died of a signal: \(run)", sourceLocation: sourceLocation)
        #expect(!run.stderr.isEmpty, "no error message: \(run)", sourceLocation: sourceLocation)
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Stack dump"), "klein crashed: \(run)",
                sourceLocation: sourceLocation)
        return run
    }

    /// Pulls `reference` (with `options` after it, e.g. credentials) into the new layout `scratch/<layout>` as
    /// ref `app`, requiring success, and expects that layout to hold `image` byte for byte.
    func expectPull(
        _ reference: String, options: [String] = [], into layout: String = "pulled", toMatch image: ClientTestImage,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let destination = "\(scratch.path)/\(layout)"
        try succeed(["pull", reference, "oci:\(destination):app"] + options, sourceLocation: sourceLocation)
        try image.expectIdentical(toLayout: destination, ref: "app", sourceLocation: sourceLocation)
    }
}

extension Tools {
    /// Runs klein expecting success; returns the first line of its output.
    static func kleinFirstLine(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run("klein", arguments)
        #expect(result.succeeded, "klein \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout.split(separator: "\n").first.map(String.init) ?? ""
    }

    /// Runs klein expecting failure; returns its stderr.
    static func kleinFailure(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run("klein", arguments)
        #expect(!result.succeeded, "klein \(arguments.joined(separator: " ")) should have failed: \(result.stdout)", sourceLocation: sourceLocation)
        return result.stderr
    }
}

/// One finished `klein` run, printable for failure messages.
struct ClientRun: CustomStringConvertible {
    let arguments: [String]
    let result: Run
    let duration: Duration
    /// Whether klein was killed by a signal (a crash: `result.status` is then the signal number).
    let signaled: Bool

    var stdout: String { result.stdout }
    /// Standard error without surrounding whitespace.
    var stderr: String { result.stderr.trimmingCharacters(in: .whitespacesAndNewlines) }
    var status: Int32 { result.status }
    /// The non-empty lines of stderr that are not per-blob progress lines (`sha256:0123456789ab  copied  1 KiB`).
    var errorLines: [Substring] {
        stderr.split(separator: "\n").filter { line in
            !line.trimmingCharacters(in: .whitespaces).isEmpty && line.wholeMatch(of: /sha256:[0-9a-f]{12}  .*/) == nil
        }
    }

    var description: String {
        "klein \(arguments.joined(separator: " ")) \(signaled ? "died of signal" : "exited") \(result.status) after \(duration)\n--- stderr:\n\(Self.clip(result.stderr))\n"
            + "--- stdout:\n\(Self.clip(result.stdout))"
    }

    private static func clip(_ text: String) -> String {
        text.count <= 6000 ? text : text.prefix(6000) + "\n[… \(text.count - 6000) more characters]"
    }
}

/// An image in an OCI layout made by umoci (`umoci init`, `umoci new`, optionally `umoci config`) with layers of
/// random files added by `klein layer add`, and what it holds.
struct ClientTestImage {
    /// The layout directory.
    let layout: String
    /// Its ref name.
    let ref: String
    /// The manifest's digest.
    let manifest: String
    let config: String
    let layers: [String]
    let layerSizes: [Int]

    /// `oci:LAYOUT:REF`.
    var location: String { "oci:\(layout):\(ref)" }

    /// Builds image `ref` in the layout `scratch/name` (made if it is not there yet, so one layout can hold
    /// several images): one layer per element of `layers`, each holding files of random bytes of the given
    /// sizes and a small text file `note-<index>.txt`, for `architecture` (umoci's default if nil), compressed
    /// as `compression` says (`klein layer add`'s default if nil).
    static func make(
        in scratch: Scratch, name: String = "source", ref: String = "app", layers: [[Int]], architecture: String? = nil,
        compression: String? = nil
    ) throws -> ClientTestImage {
        let layout = "\(scratch.path)/\(name)"
        if !FileManager.default.fileExists(atPath: "\(layout)/oci-layout") {
            try Tools.peer("umoci", "init", "--layout", layout)
        }
        try Tools.peer("umoci", "new", "--image", "\(layout):\(ref)")
        if let architecture {
            try Tools.peer("umoci", "config", "--image", "\(layout):\(ref)", "--architecture", architecture, "--os", "linux")
        }
        for (layer, files) in layers.enumerated() {
            let tree = "\(scratch.path)/\(name)-\(ref)-layer\(layer)"
            try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
            for (index, size) in files.enumerated() {
                try TestContent.randomBytes(size).write(to: URL(fileURLWithPath: "\(tree)/data-\(layer)-\(index).bin"))
            }
            try Data("layer \(layer) of \(ref)\n".utf8).write(to: URL(fileURLWithPath: "\(tree)/note-\(layer).txt"))
            try Tools.peer("klein", ["layer", "add", "\(layout):\(ref)", tree] + (compression.map { ["--compression", $0] } ?? []))
        }
        return try read(layout: layout, ref: ref)
    }

    /// One uncompressed layer holding files of the given sizes (so its size is about the sum of the files and
    /// writing it costs no CPU), as `make(in:name:ref:layers:…)` builds it.
    static func make(in scratch: Scratch, files: [Int]) throws -> ClientTestImage {
        try make(in: scratch, layers: [files], compression: "none")
    }

    /// What `layout` holds under `ref`.
    static func read(layout: String, ref: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> ClientTestImage {
        let manifest = try #require(try refs(in: layout)[ref], "\(layout) has no ref \(ref)", sourceLocation: sourceLocation)
        let document = try #require(
            try JSONSerialization.jsonObject(with: blob(manifest, in: layout)) as? [String: Any], sourceLocation: sourceLocation)
        let config = try #require((document["config"] as? [String: Any])?["digest"] as? String, sourceLocation: sourceLocation)
        let layers = (document["layers"] as? [[String: Any]]) ?? []
        return ClientTestImage(
            layout: layout, ref: ref, manifest: manifest, config: config,
            layers: layers.compactMap { $0["digest"] as? String }, layerSizes: layers.compactMap { ($0["size"] as? NSNumber)?.intValue })
    }

    /// `org.opencontainers.image.ref.name` → manifest digest, from `index.json`.
    static func refs(in layout: String) throws -> [String: String] {
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(layout)/index.json"))) as? [String: Any]
        var refs: [String: String] = [:]
        for entry in index?["manifests"] as? [[String: Any]] ?? [] {
            if let name = (entry["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"], let digest = entry["digest"] as? String {
                refs[name] = digest
            }
        }
        return refs
    }

    /// The bytes of blob `digest` in `layout`.
    static func blob(_ digest: String, in layout: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: "\(layout)/blobs/\(digest.replacingOccurrences(of: ":", with: "/"))"))
    }

    /// Expects `other` (a layout pulled from a registry) to hold this image byte for byte: same manifest digest
    /// under `ref`, same config and layers, identical blob bytes, and `klein layout fsck` clean.
    func expectIdentical(toLayout other: String, ref otherRef: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let pulled = try Self.read(layout: other, ref: otherRef, sourceLocation: sourceLocation)
        #expect(pulled.manifest == manifest, "manifest digest", sourceLocation: sourceLocation)
        #expect(pulled.config == config, sourceLocation: sourceLocation)
        #expect(pulled.layers == layers, sourceLocation: sourceLocation)
        for digest in [manifest, config] + layers {
            let ours = try Self.blob(digest, in: layout)
            let theirs = try Self.blob(digest, in: other)
            #expect(ours == theirs, "blob \(digest) differs (\(ours.count) vs \(theirs.count) bytes)", sourceLocation: sourceLocation)
        }
        let fsck = try Tools.run("klein", ["layout", "fsck", other])
        #expect(fsck.succeeded, "klein layout fsck \(other): \(fsck.stdout) \(fsck.stderr)", sourceLocation: sourceLocation)
    }
}

extension FaultProxy {
    /// The log, expecting the control endpoint to answer; for messages, one request per line.
    static func render(_ log: [LoggedRequest]) -> String {
        log.enumerated().map { "  \($0.offset): \($0.element)" }.joined(separator: "\n")
    }
}

/// Every file under `directory` (not the directories), relative path → contents, to show that a failed
/// command left a directory's content exactly as it was. A layout's lock file (`.klein/content.lock`, empty,
/// made by any writer taking the lock) is not content and is left out; ingest scratch files are not.
func directorySnapshot(_ directory: String) -> [String: Data] {
    var files: [String: Data] = [:]
    guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return files }
    while let relative = enumerator.nextObject() as? String {
        if relative == ".klein/content.lock" { continue }
        let path = "\(directory)/\(relative)"
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            files[relative] = FileManager.default.contents(atPath: path) ?? Data()
        }
    }
    return files
}
