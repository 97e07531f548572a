import Testing
@testable import DealerProtocol
@Test func placeholder() { #expect(Bool(true)) }
