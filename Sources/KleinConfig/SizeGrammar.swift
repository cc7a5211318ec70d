/// The one size grammar of every Klein configuration: bytes as an integer, or a number with a
/// binary (`Ki` = 1024) or decimal (`k` = 1000) unit (`512Mi`, `1.5Gi`, `100k`, `4096B`), exactly.
public enum SizeGrammar {
    /// Size suffixes and their bytes, largest first: binary, then decimal.
    public static let units: [(suffix: String, bytes: Int64)] = [
        ("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10),
        ("T", 1_000_000_000_000), ("G", 1_000_000_000), ("M", 1_000_000), ("k", 1000), ("K", 1000), ("B", 1),
    ]

    /// `512Mi`, `1.5Gi`, `100k`, `4096B` or `4096` → bytes.
    public static func bytes(_ text: String) -> Result<Int64, ScaledNumber.Failure> {
        let unit = units.first { text.hasSuffix($0.suffix) } ?? ("", 1)
        return ScaledNumber.value(String(text.dropLast(unit.suffix.count)), times: unit.bytes, text: text,
                                  expected: "a size such as \"512Mi\", \"2Gi\" or \"100M\"", unit: "bytes")
    }

    /// The shortest exact spelling (`1Gi`, `2G`, `1500M`, `4097B`); on a tie, the binary unit.
    public static func format(bytes: Int64) -> String {
        guard bytes != 0 else { return "0B" }
        let spellings = units.filter { bytes % $0.bytes == 0 && $0.suffix != "K" }.map { "\(bytes / $0.bytes)\($0.suffix)" }
        // "B" divides every size, so there is always a spelling.
        return spellings.min { $0.count < $1.count } ?? "\(bytes)B"
    }
}
