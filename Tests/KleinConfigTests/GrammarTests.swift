import KleinConfig
import Testing

@Suite struct GrammarTests {
    @Test(arguments: [("512Mi", Int64(512 << 20)), ("1.5Gi", Int64(3 << 29)), ("100k", Int64(100_000)), ("4096", Int64(4096)), ("2T", Int64(2_000_000_000_000))])
    func sizes(text: String, bytes: Int64) throws {
        #expect(try SizeGrammar.bytes(text).get() == bytes)
    }

    @Test(arguments: [Int64(1 << 30), 1_500_000_000, 4097, 0])
    func sizesFormatCanonicallyAndReadBack(bytes: Int64) throws {
        #expect(try SizeGrammar.bytes(SizeGrammar.format(bytes: bytes)).get() == bytes)
    }

    @Test func sizeFailuresSayWhy() {
        #expect(SizeGrammar.bytes("lots") == .failure(.malformed(text: "lots", expected: "a size such as \"512Mi\", \"2Gi\" or \"100M\"")))
        #expect(SizeGrammar.bytes("99999999999Ti") == .failure(.tooLarge(text: "99999999999Ti")))
        #expect(SizeGrammar.bytes("1.5B") == .failure(.notWhole(text: "1.5B", unit: "bytes")))
    }

    @Test func durations() throws {
        #expect(try DurationGrammar.milliseconds("1m30s").get() == 90_000)
        #expect(DurationGrammar.format(milliseconds: 90_000) == "1m30s")
        #expect(DurationGrammar.format(milliseconds: 3_600_500) == "1h500ms")
        #expect((try? DurationGrammar.milliseconds("10").get()) == nil)
        #expect((try? DurationGrammar.milliseconds("5d").get()) == nil)
        #expect((try? DurationGrammar.milliseconds("99999999999999999h").get()) == nil)
        #expect(DurationGrammar.milliseconds("99999999999999999h") == .failure(.tooLong("99999999999999999h")))
        #expect(DurationGrammar.milliseconds("30s1m") == .failure(.malformed("30s1m")))
        #expect(DurationGrammar.milliseconds("5s5s") == .failure(.malformed("5s5s")))
    }

    /// The registry's configuration and `klein layout gc --grace` have always read a bare number as
    /// seconds and accepted days; it is the same grammar.
    @Test(arguments: [("90", Int64(90)), ("30s", 30), ("5m", 300), ("24h", 86_400), ("7d", 604_800), ("0", 0), ("1h30m", 5400)])
    func seconds(text: String, seconds: Int64) throws {
        #expect(try DurationGrammar.seconds(text).get() == seconds)
    }

    @Test(arguments: ["", "soon", "-5s", "1.5h", "5 m", "500ms", "1w"])
    func notSeconds(text: String) {
        #expect((try? DurationGrammar.seconds(text).get()) == nil)
    }

    @Test func daysOnlyWhereAsked() {
        #expect(DurationGrammar.format(milliseconds: 93_600_000) == "26h")
        #expect(DurationGrammar.format(milliseconds: 93_600_000, days: true) == "1d2h")
        #expect(DurationGrammar.milliseconds("1d2h", days: true) == .success(93_600_000))
    }
}
