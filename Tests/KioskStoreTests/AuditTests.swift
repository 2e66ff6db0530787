import Foundation
import KioskStore
import Testing

@Suite struct AuditTests {
    @Test func audit_entriesComeBackInOrderWithTheirFields() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        let at = Date(unixMilliseconds: 1_763_800_000_000)
        let first = try store.audit(actor: "tech:li", action: "printer-enable", detail: "queue A3", at: at)
        try store.audit(
            actor: "staff:wang", action: "inhibit", detail: "window 3 closed", at: at.addingTimeInterval(60))

        let entries = try store.auditEntries()
        #expect(entries.map(\.action) == ["printer-enable", "inhibit"])
        #expect(
            entries[0] == AuditEntry(id: first, at: at, actor: "tech:li", action: "printer-enable", detail: "queue A3"))
        #expect(try store.auditEntries(after: first).map(\.actor) == ["staff:wang"])
    }

    @Test func audit_withoutActorOrWithOversizedDetail_isRefused() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        #expect(throws: StoreError.self) { try store.audit(actor: "", action: "x", detail: "", at: Date()) }
        #expect(throws: StoreError.self) {
            try store.audit(actor: "tech", action: "x", detail: String(repeating: "d", count: 5000), at: Date())
        }
        #expect(try store.auditEntries().isEmpty)
    }
}
