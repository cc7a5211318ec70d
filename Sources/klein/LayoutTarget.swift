import ArgumentParser
import KleinOCI
import KleinStore

/// A layout and an entry in it, written `[oci:]PATH[:REF]` or `[oci:]PATH@DIGEST`, as skopeo's `oci:` transport.
/// The path ends at the first `:`; a REF that is a digest selects by digest.
struct LayoutTarget: ExpressibleByArgument, CustomStringConvertible {
    var path: String
    /// A ref name, a digest, or empty for "the only entry".
    var selector: String

    init?(argument: String) {
        var text = Substring(argument)
        if text.hasPrefix("oci:") { text = text.dropFirst(4) }
        if let at = text.lastIndex(of: "@"), (try? Digest(String(text[text.index(after: at)...]))) != nil {
            path = String(text[..<at])
            selector = String(text[text.index(after: at)...])
        } else if let colon = text.firstIndex(of: ":") {
            path = String(text[..<colon])
            selector = String(text[text.index(after: colon)...])
        } else {
            path = String(text)
            selector = ""
        }
        if path.isEmpty { return nil }
    }

    var description: String { selector.isEmpty ? path : "\(path):\(selector)" }

    /// The ref name to write under, rejecting digests (a name is needed).
    func refName() throws -> String? {
        guard !selector.isEmpty else { return nil }
        if (try? Digest(selector)) != nil {
            throw ValidationError("\(self): a digest cannot be used as a reference name")
        }
        try OCILayout.validateRefName(selector)
        return selector
    }

    func open() throws -> OCILayout { try OCILayout(opening: path) }
}
