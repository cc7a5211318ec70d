import KleinConfig

/// The quantities only a platform manifest has: CPU and percentages (sizes and durations are
/// KleinConfig's grammars). Each parser returns a value or a reason; `formatMillicores` gives the one
/// canonical spelling, so the content hash sees `0.5` and `"500m"` as the same manifest.
enum ManifestUnits {
    /// `"250m"` (millicores) or cores as text (`"2"`, `"0.5"`) → millicores.
    static func millicores(_ text: String) -> Result<Int64, Reason> {
        if text.hasSuffix("m") {
            let digits = text.dropLast()
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(digits) else {
                return .failure(Reason("CPU must be cores (2, 0.5, \"1.5\") or millicores (\"250m\")"))
            }
            return .success(value)
        }
        return ScaledNumber.value(text, times: 1000, text: text, expected: "CPU as cores (2, 0.5, \"1.5\") or millicores (\"250m\")", unit: "millicores")
            .mapError { Reason($0.message) }
    }

    /// Cores as a TOML float → millicores, refusing what is finer than a millicore.
    static func millicores(cores: Double) -> Result<Int64, Reason> {
        let value = cores * 1000
        guard value.isFinite, abs(value) < 1e15 else { return .failure(Reason("\(cores) is not a usable number of cores")) }
        let rounded = value.rounded()
        guard abs(value - rounded) < 1e-6 else { return .failure(Reason("\(cores) cores is finer than a millicore; use e.g. \"250m\"")) }
        return .success(Int64(rounded))
    }

    static func formatMillicores(_ value: Int64) -> String { "\(value)m" }

    /// `"25%"` → 25.
    static func percent(_ text: String) -> Int64? {
        guard text.hasSuffix("%"), text.count > 1, text.dropLast().allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(text.dropLast())
    }

    struct Reason: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }
}
