import Foundation
import KleinSystem

/// A private temporary directory for one build, verify or rebuild, removed with everything in it
/// when the operation ends (success or failure).
final class WorkDirectory: @unchecked Sendable {
    let path: String
    private var counter = 0

    init() throws(BuildError) {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let pattern = "\(base)/klein-build-XXXXXX"
        var template = Array(pattern.utf8CString)
        guard let made = mkdtemp(&template) else {
            throw .system(what: "creating a work directory", SystemError(operation: "mkdtemp", path: pattern, errno: errno))
        }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A new empty directory inside, named after `purpose`.
    func make(_ purpose: String) throws(BuildError) -> String {
        counter += 1
        let directory = "\(path)/\(counter)-\(purpose)"
        do { try FileSystem.makeDirectory(directory, mode: 0o700) } catch {
            throw .system(what: "creating a work directory", error)
        }
        return directory
    }
}
