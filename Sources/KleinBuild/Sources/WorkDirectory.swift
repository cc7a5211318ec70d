import Foundation

/// A private temporary directory for one build, verify or rebuild, removed with everything in it
/// when the operation ends (success or failure).
final class WorkDirectory: @unchecked Sendable {
    let path: String
    private var counter = 0

    init() throws(BuildError) {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/klein-build-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw .failed(what: "creating a work directory in \(base)", reason: String(cString: strerror(errno)))
        }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A new empty directory inside, named after `purpose`.
    func make(_ purpose: String) throws(BuildError) -> String {
        counter += 1
        let directory = "\(path)/\(counter)-\(purpose)"
        guard mkdir(directory, 0o700) == 0 else {
            throw .failed(what: "creating \(directory)", reason: String(cString: strerror(errno)))
        }
        return directory
    }
}
