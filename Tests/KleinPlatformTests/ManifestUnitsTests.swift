import Testing
@testable import KleinPlatform

@Suite struct ManifestUnitsTests {
    @Test(arguments: [("512Mi", Int64(512 << 20)), ("1.5Gi", Int64(3 << 29)), ("100k", Int64(100_000)), ("4096", Int64(4096)), ("2T", Int64(2_000_000_000_000))])
    func sizes(text: String, bytes: Int64) throws {
        #expect(try ManifestUnits.bytes(text).get() == bytes)
    }

    @Test(arguments: [Int64(1 << 30), 1_500_000_000, 4097, 0])
    func sizesFormatCanonicallyAndReadBack(bytes: Int64) throws {
        #expect(try ManifestUnits.bytes(ManifestUnits.formatSize(bytes)).get() == bytes)
    }

    @Test func durations() throws {
        #expect(try ManifestUnits.milliseconds("1m30s").get() == 90_000)
        #expect(ManifestUnits.formatDuration(90_000) == "1m30s")
        #expect(ManifestUnits.formatDuration(3_600_500) == "1h500ms")
        #expect((try? ManifestUnits.milliseconds("10").get()) == nil)
        #expect((try? ManifestUnits.milliseconds("5d").get()) == nil)
        #expect((try? ManifestUnits.milliseconds("99999999999999999h").get()) == nil)
    }

    @Test func cpu() throws {
        #expect(try ManifestUnits.millicores("250m").get() == 250)
        #expect(try ManifestUnits.millicores("1.5").get() == 1500)
        #expect(try ManifestUnits.millicores(cores: 0.5).get() == 500)
        #expect((try? ManifestUnits.millicores(cores: 0.0001).get()) == nil)
        #expect((try? ManifestUnits.millicores("1.0005").get()) == nil)
    }
}
