import Foundation
import Testing

@testable import KioskCore

struct QueueNumberingTests {
    let beijing = TimeZone(secondsFromGMT: 8 * 3600)!

    func instant(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }

    @Test func issue_firstOfDay_isPrefixAnd001() throws {
        let rule = try QueueNumbering(prefixes: ["A": "A"])
        let number = try rule.issue(
            category: "A", at: instant("2026-03-01T01:00:00Z"), timeZone: beijing,
            counter: InMemoryQueueNumberCounter())
        #expect(number.text == "A001")
        #expect(number.day == CivilDate(year: 2026, month: 3, day: 1))
    }

    @Test func issue_23rd_isA023() throws {
        let rule = try QueueNumbering(prefixes: ["A": "A"])
        let counter = InMemoryQueueNumberCounter()
        var last: QueueNumber?
        for _ in 1...23 {
            last = try rule.issue(
                category: "A", at: instant("2026-03-01T02:00:00Z"), timeZone: beijing, counter: counter)
        }
        #expect(last?.text == "A023")
    }

    @Test func issue_sameDay_neverRepeats() throws {
        let rule = try QueueNumbering(prefixes: ["A": "A", "B": "B"])
        let counter = InMemoryQueueNumberCounter()
        var seen: Set<String> = []
        for i in 0..<1200 {
            let n = try rule.issue(
                category: i % 3 == 0 ? "B" : "A", at: instant("2026-03-01T03:00:00Z"),
                timeZone: beijing, counter: counter)
            #expect(seen.insert(n.text).inserted)
        }
        #expect(seen.contains("A800"))
        #expect(seen.contains("B400"))
    }

    @Test func issue_pastLocalMidnight_restartsAt001() throws {
        let rule = try QueueNumbering(prefixes: ["A": "A"])
        let counter = InMemoryQueueNumberCounter()
        // 15:59:59Z is 23:59:59 in Beijing; 16:00:00Z is the next local day.
        _ = try rule.issue(category: "A", at: instant("2026-03-01T15:59:58Z"), timeZone: beijing, counter: counter)
        let before = try rule.issue(
            category: "A", at: instant("2026-03-01T15:59:59Z"), timeZone: beijing, counter: counter)
        let after = try rule.issue(
            category: "A", at: instant("2026-03-01T16:00:00Z"), timeZone: beijing, counter: counter)
        #expect(before.text == "A002")
        #expect(after.text == "A001")
        #expect(after.day == CivilDate(year: 2026, month: 3, day: 2))
    }

    @Test func issue_utcMidnight_isNotTheResetInBeijing() throws {
        let rule = try QueueNumbering(prefixes: ["A": "A"])
        let counter = InMemoryQueueNumberCounter()
        _ = try rule.issue(category: "A", at: instant("2026-03-01T23:59:00Z"), timeZone: beijing, counter: counter)
        let next = try rule.issue(
            category: "A", at: instant("2026-03-02T00:01:00Z"), timeZone: beijing, counter: counter)
        #expect(next.text == "A002")
    }

    @Test func issue_beyond999_widensInsteadOfWrapping() throws {
        let rule = try QueueNumbering(prefixes: ["A": "A"])
        #expect(rule.format(prefix: "A", sequence: 1000) == "A1000")
        #expect(rule.format(prefix: "A", sequence: 7) == "A007")
    }

    @Test func issue_unknownCategory_isAnError() throws {
        let rule = try QueueNumbering(prefixes: ["A": "A"])
        #expect(throws: QueueNumberingError.unknownCategory("Z", known: ["A"])) {
            try rule.issue(
                category: "Z", at: Date(timeIntervalSince1970: 0), timeZone: beijing,
                counter: InMemoryQueueNumberCounter())
        }
    }

    @Test func init_badPrefix_isRejected() {
        #expect(throws: QueueNumberingError.self) { try QueueNumbering(prefixes: ["A": "a"]) }
        #expect(throws: QueueNumberingError.self) { try QueueNumbering(prefixes: ["A": "ABC"]) }
        #expect(throws: QueueNumberingError.self) { try QueueNumbering(prefixes: ["A": "回"]) }
    }
}
