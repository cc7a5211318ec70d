/// A path given as text (a JSON annotation, a TOML value), read the way the kernel reads it: split
/// at every `/` byte, components compared as bytes.
///
/// Swift's `Character` view reads it differently: a `/` followed by a combining mark is one
/// `Character` (`"/\u{338}"`), so `split(separator: "/")` and `hasPrefix("/")` miss a separator
/// the kernel sees, and a check for `..` components can be walked around. Every check of a path that
/// will name a file goes through here.
package enum PathText {
    /// The components between `/` bytes, empty ones included: an absolute path's first is empty.
    package static func components(_ path: some StringProtocol) -> [Substring] {
        // A `/` byte is always a whole scalar, so every piece starts and ends on scalar boundaries.
        Substring(path).utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { Substring($0) }
    }

    /// True when the path starts with a `/` byte.
    package static func isAbsolute(_ path: some StringProtocol) -> Bool {
        path.utf8.first == UInt8(ascii: "/")
    }

    /// True for an empty component and for `.` and `..`: the ones that do not name a new entry.
    package static func isEmptyOrDot(_ component: some StringProtocol) -> Bool {
        component.utf8.isEmpty || component.utf8.elementsEqual(".".utf8) || component.utf8.elementsEqual("..".utf8)
    }

    /// True when some component is `..`.
    package static func climbs(_ path: some StringProtocol) -> Bool {
        components(path).contains { $0.utf8.elementsEqual("..".utf8) }
    }

    /// True when `path` is `directory` or below it, comparing bytes.
    package static func isWithin(_ path: some StringProtocol, _ directory: some StringProtocol) -> Bool {
        path.utf8.elementsEqual(directory.utf8) || path.utf8.starts(with: directory.utf8 + [UInt8(ascii: "/")])
    }
}
