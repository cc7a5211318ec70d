/// The one duration grammar of every Klein configuration: whole numbers with units, largest unit
/// first, each unit at most once (`500ms`, `10s`, `1m30s`, `2h`). Files that have always accepted
/// days (`7d`) or a bare number (`90` in the registry's configuration) say so; platform manifests
/// accept neither.
public enum DurationGrammar {
    /// A duration unit and its length in milliseconds, largest first.
    public static let units: [(suffix: String, milliseconds: Int64)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1),
    ]

    /// Why a text is not a duration.
    public enum Failure: Error, Sendable, Hashable {
        /// Not the grammar: a part without a unit, an unknown unit, units out of order or repeated.
        case malformed(String)
        /// More milliseconds than an `Int64` holds.
        case tooLong(String)
        /// A whole number of seconds was needed (`seconds(_:)`), and the text is finer.
        case finerThanSeconds(String)
    }

    /// The milliseconds `text` means, in units up to hours, or days with `days`. A bare number (`90`)
    /// is refused unless `bareUnit` (a suffix of `units`) gives it a unit.
    public static func milliseconds(_ text: String, days: Bool = false, bareUnit: String? = nil) -> Result<Int64, Failure> {
        if let bareUnit, !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return milliseconds(text + bareUnit, days: days)
        }
        let units = days ? units : units.filter { $0.suffix != "d" }
        var rest = Substring(text)
        var total: Int64 = 0
        var smallestSoFar = Int64.max
        guard !rest.isEmpty else { return .failure(.malformed(text)) }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(letters.count)
            // Each unit at most once and in decreasing order: "5s5s" and "30s1m" are mistakes, not sums.
            guard !digits.isEmpty, let count = Int64(digits), let unit = units.first(where: { $0.suffix == letters }),
                  unit.milliseconds < smallestSoFar else {
                return .failure(.malformed(text))
            }
            smallestSoFar = unit.milliseconds
            let (part, overflow) = count.multipliedReportingOverflow(by: unit.milliseconds)
            guard !overflow, total <= Int64.max - part else { return .failure(.tooLong(text)) }
            total += part
        }
        return .success(total)
    }

    /// The whole seconds `text` means, a bare number being seconds (`90`, `30s`, `5m`, `24h`, `7d`).
    public static func seconds(_ text: String) -> Result<Int64, Failure> {
        milliseconds(text, days: true, bareUnit: "s").flatMap { milliseconds in
            milliseconds % 1000 == 0 ? .success(milliseconds / 1000) : .failure(.finerThanSeconds(text))
        }
    }

    /// The one canonical spelling: `1h30m`, `10s`, `500ms`, `0s`; `26h` unless `days` (`1d2h`).
    public static func format(milliseconds: Int64, days: Bool = false) -> String {
        guard milliseconds != 0 else { return "0s" }
        var rest = milliseconds
        var text = ""
        for unit in units where rest >= unit.milliseconds && (days || unit.suffix != "d") {
            text += "\(rest / unit.milliseconds)\(unit.suffix)"
            rest %= unit.milliseconds
        }
        return text
    }
}
