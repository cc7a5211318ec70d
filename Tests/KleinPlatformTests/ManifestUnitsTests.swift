import Testing
@testable import KleinPlatform

@Suite struct ManifestUnitsTests {
    @Test func cpu() throws {
        #expect(try ManifestUnits.millicores("250m").get() == 250)
        #expect(try ManifestUnits.millicores("1.5").get() == 1500)
        #expect(try ManifestUnits.millicores(cores: 0.5).get() == 500)
        #expect((try? ManifestUnits.millicores(cores: 0.0001).get()) == nil)
        #expect((try? ManifestUnits.millicores("1.0005").get()) == nil)
    }
}
