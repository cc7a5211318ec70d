/// Durations written for humans: a whole number with an optional unit `s`, `m`, `h` or `d` (`90s`, `5m`, `24h`, `7d`).
public enum DurationText {
    /// The number of seconds `text` means, or `nil` when it is not a duration.
    public static func seconds(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var digits = Substring(text)
        var multiplier: Int64 = 1
        if let last = digits.last, let unit = units[last] {
            multiplier = unit
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = Int64(digits), value >= 0 else { return nil }
        let (seconds, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : seconds
    }
}
