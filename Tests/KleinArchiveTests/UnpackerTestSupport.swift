import Foundation
import KleinOCI
@testable import KleinArchive

/// A root directory beside an "outside" directory whose contents must never change.
final class UnpackSandbox {
    let base: String
    var root: String { "\(base)/root" }
    var outside: String { "\(base)/outside" }

    init() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("klein-unpack-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data("sentinel".utf8).write(to: URL(fileURLWithPath: "\(outside)/sentinel"))
    }

    deinit { try? FileManager.default.removeItem(atPath: base) }

    /// Every path below `directory` with its type, size and content digest (symlinks not followed).
    func snapshot(_ directory: String) -> [String: String] {
        var result: [String: String] = [:]
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return result }
        while let relative = walker.nextObject() as? String {
            let path = "\(directory)/\(relative)"
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            var description = "mode=\(String(info.st_mode, radix: 8)) size=\(info.st_size)"
            if (info.st_mode & S_IFMT) == S_IFREG, let data = FileManager.default.contents(atPath: path) {
                description += " \(Digest.of(Array(data)))"
            }
            if (info.st_mode & S_IFMT) == S_IFLNK { description += " -> \((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")" }
            result[relative] = description
        }
        return result
    }

    /// Applies layers in order; returns the unpacker (for warnings) or throws the first failure.
    @discardableResult
    func apply(_ layers: [[UInt8]], options: UnpackOptions = UnpackOptions()) throws -> Unpacker {
        let unpacker = try Unpacker(rootPath: root, options: options)
        for (index, layer) in layers.enumerated() {
            try unpacker.apply(layer: MemorySource(layer), index: index)
        }
        return unpacker
    }

    func exists(_ relative: String) -> Bool {
        var info = stat()
        return lstat("\(root)/\(relative)", &info) == 0
    }

    func contents(_ relative: String) -> String? {
        FileManager.default.contents(atPath: "\(root)/\(relative)").map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Builds an uncompressed layer from entries; a regular entry's content is its `text`.
enum LayerFixture {
    struct Entry {
        var header: TarEntry
        var text: String

        static func file(_ path: BytePath, _ text: String = "content", mode: UInt32 = 0o644) -> Entry {
            Entry(header: TarEntry(path: path, kind: .regular, mode: mode, size: Int64(text.utf8.count)), text: text)
        }
        static func directory(_ path: BytePath, mode: UInt32 = 0o755) -> Entry {
            Entry(header: TarEntry(path: path, kind: .directory, mode: mode), text: "")
        }
        static func symlink(_ path: BytePath, to target: BytePath) -> Entry {
            Entry(header: TarEntry(path: path, kind: .symlink, mode: 0o777, linkTarget: target), text: "")
        }
        static func hardlink(_ path: BytePath, to target: BytePath) -> Entry {
            Entry(header: TarEntry(path: path, kind: .hardlink, linkTarget: target), text: "")
        }
        static func whiteout(_ path: BytePath) -> Entry { file(path, "") }
    }

    static func layer(_ entries: [Entry]) throws -> [UInt8] {
        let sink = MemorySink()
        let writer = TarWriter(sink: sink)
        for entry in entries {
            try writer.append(entry.header, contents: entry.header.kind == .regular ? MemorySource(Array(entry.text.utf8)) : nil)
        }
        try writer.finish()
        return sink.bytes
    }
}
