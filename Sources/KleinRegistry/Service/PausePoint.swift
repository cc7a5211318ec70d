import Foundation

/// A named place where a test can hold this process still, to act at one exact point of an operation
/// (one interleaving of a race) instead of hoping for a timing. With `KLEIN_PAUSE_AT=NAME=PATH` in the
/// environment, reaching pause point NAME creates the file PATH and waits until the test removes it;
/// otherwise it returns at once.
enum PausePoint {
    private static let armed: (name: Substring, path: String)? = {
        guard let setting = ProcessInfo.processInfo.environment["KLEIN_PAUSE_AT"],
              let equals = setting.firstIndex(of: "=") else { return nil }
        return (setting[..<equals], String(setting[setting.index(after: equals)...]))
    }()

    static func reach(_ name: String) async {
        guard let armed, armed.name == name else { return }
        FileManager.default.createFile(atPath: armed.path, contents: nil)
        while FileManager.default.fileExists(atPath: armed.path) {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
