@testable import KleinSystem
import Testing

/// Paths given as text are split at `/` bytes, as the kernel splits them, not at Swift `Character`s.
struct PathTextTests {
    /// `"/\u{338}"` is one `Character`, so `split(separator: "/")` finds no separator in these.
    @Test func aCombiningMarkAfterASlashDoesNotHideTheSeparator() {
        #expect("../\u{338}x".split(separator: "/").count == 1)
        #expect(PathText.components("../\u{338}x") == ["..", "\u{338}x"])
        #expect(PathText.climbs("../\u{338}x"))
        #expect(PathText.isAbsolute("/\u{338}etc"))
        #expect(PathText.isWithin("/proc/\u{338}x", "/proc"))
    }

    @Test func componentsKeepEmptyOnesAndCompareDotsAsBytes() {
        #expect(PathText.components("/a//b/") == ["", "a", "", "b", ""])
        #expect(PathText.components("").map(String.init) == [""])
        #expect(["", ".", ".."].allSatisfy(PathText.isEmptyOrDot))
        #expect(!["...", "..\u{301}", ".\u{338}", "a"].contains(where: PathText.isEmptyOrDot))
        #expect(!PathText.climbs("a/..b/c.."))
        #expect(!PathText.isWithin("/procfs", "/proc") && PathText.isWithin("/proc", "/proc"))
    }
}
