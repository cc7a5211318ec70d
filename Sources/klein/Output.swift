import ArgumentParser
import KleinOCI
#if canImport(Glibc)
import Glibc
#endif

/// Terminal output helpers shared by the commands.
enum Output {
    /// Writes JSON for machines: canonical, one document per line.
    static func printJSON(_ value: JSONValue) {
        print(String(decoding: value.canonicalBytes, as: UTF8.self))
    }

    /// Writes bytes to standard output unchanged.
    static func writeRaw(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { if errno == EINTR { continue } else { return } }
                offset += written
            }
        }
    }

    /// `1.5 MiB` style sizes.
    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : "\((value * 10).rounded() / 10) \(units[unit])"
    }

    /// Left-aligned columns separated by two spaces.
    static func table(_ rows: [[String]]) -> String {
        guard let width = rows.map(\.count).max() else { return "" }
        let widths = (0..<width).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

/// `KEY=VALUE` annotation arguments as a map; a later KEY wins.
func parseAnnotations(_ arguments: [String]) throws -> [String: String] {
    var map: [String: String] = [:]
    for annotation in arguments {
        guard let equals = annotation.firstIndex(of: "="), equals != annotation.startIndex else {
            throw ValidationError("annotation \"\(annotation)\" must be KEY=VALUE")
        }
        map[String(annotation[..<equals])] = String(annotation[annotation.index(after: equals)...])
    }
    return map
}

/// A failure found while running a command (not a malformed command line): one line, exit code 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
