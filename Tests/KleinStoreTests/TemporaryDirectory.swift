import Foundation

/// A fresh directory under the system's temporary directory, removed when the test is done.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("klein-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String, contents: String) throws -> String {
        let filePath = "\(path)/\(name)"
        try Data(contents.utf8).write(to: URL(fileURLWithPath: filePath))
        return filePath
    }

    func listing(_ relative: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: "\(path)/\(relative)").sorted()) ?? []
    }
}
