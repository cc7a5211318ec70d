import Foundation
import KleinSystem

/// Runs `body` with a new empty directory, removed afterwards whatever happens.
func inTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = "\(NSTemporaryDirectory())/klein-system-\(FileSystem.randomName())"
    try FileSystem.makeDirectories(path)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}
