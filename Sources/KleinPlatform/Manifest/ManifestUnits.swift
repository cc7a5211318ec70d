/// Quantities with units in a platform manifest: sizes, durations, CPU and percentages. Each parser
/// returns nil or a reason; each formatter gives the one canonical spelling of a value, so the
/// content hash sees `1024Mi` and `1Gi` as the same manifest.
enum ManifestUnits {
    /// Size suffixes, largest first: binary (Ki = 1024) and decimal (k = 1000).
    static let sizeUnits: [(suffix: String, bytes: Int64)] = [
        ("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10),
        ("T", 1_000_000_000_000), ("G", 1_000_000_000), ("M", 1_000_000), ("k", 1000), ("K", 1000), ("B", 1),
    ]

    /// `512Mi`, `1.5Gi`, `100k`, `4096B` or `4096` → bytes.
    static func bytes(_ text: String) -> Result<Int64, Reason> {
        let unit = sizeUnits.first { text.hasSuffix($0.suffix) } ?? ("", 1)
        let number = String(text.dropLast(unit.suffix.count))
        return scaled(number, by: unit.bytes, text: text, what: "a size such as \"512Mi\", \"2Gi\" or \"100M\"", unit: "bytes")
    }

    /// The shortest exact spelling (`1Gi`, `2G`, `1500M`, `4097B`); on a tie, the binary unit.
    static func formatSize(_ bytes: Int64) -> String {
        guard bytes != 0 else { return "0B" }
        let spellings = sizeUnits.filter { bytes % $0.bytes == 0 && $0.suffix != "K" }.map { "\(bytes / $0.bytes)\($0.suffix)" }
        return spellings.min { $0.count < $1.count }!
    }

    static let durationUnits: [(suffix: String, milliseconds: Int64)] = [("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]

    /// `500ms`, `10s`, `1m30s`, `2h` → milliseconds. Every part needs a unit.
    static func milliseconds(_ text: String) -> Result<Int64, Reason> {
        let expected = Reason("must be a duration with units, largest first, such as \"500ms\", \"10s\", \"1m30s\" or \"2h\"; found \"\(text)\"")
        var rest = Substring(text)
        var total: Int64 = 0
        var smallestSoFar = Int64.max
        guard !rest.isEmpty else { return .failure(expected) }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(letters.count)
            // Each unit at most once and in decreasing order: "5s5s" and "30s1m" are mistakes, not sums.
            guard !digits.isEmpty, let count = Int64(digits), let unit = durationUnits.first(where: { $0.suffix == letters }),
                  unit.milliseconds < smallestSoFar else {
                return .failure(expected)
            }
            smallestSoFar = unit.milliseconds
            let (part, overflow) = count.multipliedReportingOverflow(by: unit.milliseconds)
            guard !overflow, total <= Int64.max - part else { return .failure(Reason("\"\(text)\" is too long a duration")) }
            total += part
        }
        return .success(total)
    }

    /// `1h30m`, `10s`, `500ms`, `0s`.
    static func formatDuration(_ milliseconds: Int64) -> String {
        guard milliseconds != 0 else { return "0s" }
        var rest = milliseconds
        var text = ""
        for unit in durationUnits where rest >= unit.milliseconds {
            text += "\(rest / unit.milliseconds)\(unit.suffix)"
            rest %= unit.milliseconds
        }
        return text
    }

    /// `"250m"` (millicores) or cores as text (`"2"`, `"0.5"`) → millicores.
    static func millicores(_ text: String) -> Result<Int64, Reason> {
        if text.hasSuffix("m") {
            let digits = text.dropLast()
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(digits) else {
                return .failure(Reason("CPU must be cores (2, 0.5, \"1.5\") or millicores (\"250m\")"))
            }
            return .success(value)
        }
        return scaled(text, by: 1000, text: text, what: "CPU as cores (2, 0.5, \"1.5\") or millicores (\"250m\")", unit: "millicores")
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

    /// `number` (digits, optionally a fraction) times `factor`, exactly; `text` is what the user wrote.
    private static func scaled(_ number: String, by factor: Int64, text: String, what: String, unit: String) -> Result<Int64, Reason> {
        let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0], fraction = parts.count == 2 ? parts[1] : ""
        guard !whole.isEmpty, (whole + fraction).allSatisfy({ $0.isASCII && $0.isNumber }), parts.count == 1 || !fraction.isEmpty,
              fraction.count <= 18, let integer = Int64(whole) else {
            return .failure(Reason("must be \(what), found \"\(text)\""))
        }
        let tooLarge = Reason("\"\(text)\" is too large")
        let (scaledWhole, overflow) = integer.multipliedReportingOverflow(by: factor)
        guard !overflow else { return .failure(tooLarge) }
        guard !fraction.isEmpty, let numerator = Int64(fraction) else { return .success(scaledWhole) }
        var denominator: Int64 = 1
        for _ in fraction { denominator *= 10 }
        // numerator / denominator * factor, reduced first so exact values never overflow.
        let common = gcd(factor, denominator)
        let (reducedFactor, reducedDenominator) = (factor / common, denominator / common)
        guard numerator % reducedDenominator == 0 else {
            return .failure(Reason("\"\(text)\" is not a whole number of \(unit); write it without the fraction or in a smaller unit"))
        }
        let (part, partOverflow) = (numerator / reducedDenominator).multipliedReportingOverflow(by: reducedFactor)
        guard !partOverflow, scaledWhole <= Int64.max - part else { return .failure(tooLarge) }
        return .success(scaledWhole + part)
    }

    private static func gcd(_ a: Int64, _ b: Int64) -> Int64 { b == 0 ? a : gcd(b, a % b) }

    struct Reason: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }
}
