import Foundation
import KleinOCI

/// The distribution-spec error body, `{"errors": [{"code", "message", "detail"}]}` ("Error Codes").
struct ErrorBody {
    let code: String?
    let message: String

    /// The first error of a body, or a short rendering of whatever else the server sent.
    init(bytes: [UInt8]) {
        if let errors = (try? JSONParser.parse(bytes))?.objectValue?["errors"]?.arrayValue,
           let first = errors.first?.objectValue {
            code = first["code"]?.stringValue
            let text = first["message"]?.stringValue ?? ""
            let more = errors.count > 1 ? " (and \(errors.count - 1) more)" : ""
            message = (text.isEmpty ? (code ?? "error") : text) + more
            return
        }
        code = nil
        let text = String(decoding: bytes.prefix(200), as: UTF8.self)
            .filter { !$0.isNewline }
            .trimmingCharacters(in: .whitespaces)
        message = text.isEmpty ? "no error body" : text
    }
}
