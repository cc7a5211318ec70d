import KleinArchive
import Testing

/// `ContainedRoot.clean` resolves a path lexically as runc does (Go's `filepath.Clean`), splitting at
/// `/` bytes: the working-directory check against `/proc/self/fd/N` sees the path runc will use.
struct ContainedRootCleanTests {
    @Test(arguments: [
        ("/a/./b//c/", "/a/b/c"),
        ("/../a/..", "/"),
        ("", "/"),
        // "/\u{338}" is one Swift Character; runc still sees a component "\u{338}" that ".." removes.
        ("/proc/\u{338}/../self/fd/7", "/proc/self/fd/7"),
        ("/x/..\u{301}/y", "/x/..\u{301}/y"),
    ])
    func cleansAtSlashBytes(path: String, cleaned: String) {
        #expect(ContainedRoot.clean(path).utf8.elementsEqual(cleaned.utf8))
    }
}
