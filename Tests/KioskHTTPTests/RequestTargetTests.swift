import Testing

@testable import KioskHTTP

struct RequestTargetTests {
    @Test func placeholder() { #expect(true) }
}
