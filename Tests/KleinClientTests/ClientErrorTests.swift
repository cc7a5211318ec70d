import Testing
@testable import KleinClient
