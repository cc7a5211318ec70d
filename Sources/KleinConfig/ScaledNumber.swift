/// A decimal number with an optional fraction (`1.5`), scaled exactly by a unit's factor: what the
/// size grammar and quantities such as CPU cores share. A value that is not whole in the smallest
/// unit is refused, never rounded.
public enum ScaledNumber {
    /// Why a quantity could not be read; `message` is what a problem list says.
    public enum Failure: Error, Sendable, Hashable {
        /// Not digits with an optional fraction; `expected` describes the grammar.
        case malformed(text: String, expected: String)
        /// More than an `Int64` holds.
        case tooLarge(text: String)
        /// The fraction is finer than one `unit`.
        case notWhole(text: String, unit: String)

        /// The problem's message: `must be …, found "x"`, `"x" is too large`, `"x" is not a whole number of …`.
        public var message: String {
            switch self {
            case let .malformed(text, expected): "must be \(expected), found \"\(text)\""
            case let .tooLarge(text): "\"\(text)\" is too large"
            case let .notWhole(text, unit): "\"\(text)\" is not a whole number of \(unit); write it without the fraction or in a smaller unit"
            }
        }
    }

    /// `number` (digits, optionally a fraction) times `factor`, exactly; `text` is what the user wrote.
    package static func value(_ number: String, times factor: Int64, text: String, expected: String, unit: String) -> Result<Int64, Failure> {
        let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0], fraction = parts.count == 2 ? parts[1] : ""
        guard !whole.isEmpty, (whole + fraction).allSatisfy({ $0.isASCII && $0.isNumber }), parts.count == 1 || !fraction.isEmpty,
              fraction.count <= 18, let integer = Int64(whole) else {
            return .failure(.malformed(text: text, expected: expected))
        }
        let (scaledWhole, overflow) = integer.multipliedReportingOverflow(by: factor)
        guard !overflow else { return .failure(.tooLarge(text: text)) }
        guard !fraction.isEmpty, let numerator = Int64(fraction) else { return .success(scaledWhole) }
        var denominator: Int64 = 1
        for _ in fraction { denominator *= 10 }
        // numerator / denominator * factor, reduced first so exact values never overflow.
        let common = gcd(factor, denominator)
        let (reducedFactor, reducedDenominator) = (factor / common, denominator / common)
        guard numerator % reducedDenominator == 0 else { return .failure(.notWhole(text: text, unit: unit)) }
        let (part, partOverflow) = (numerator / reducedDenominator).multipliedReportingOverflow(by: reducedFactor)
        guard !partOverflow, scaledWhole <= Int64.max - part else { return .failure(.tooLarge(text: text)) }
        return .success(scaledWhole + part)
    }

    private static func gcd(_ a: Int64, _ b: Int64) -> Int64 { b == 0 ? a : gcd(b, a % b) }
}
