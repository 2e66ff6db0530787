import Foundation
import KioskCore
import KioskStore
import Testing

@Suite struct QueueCounterTests {
    let day = CivilDate(year: 2025, month: 11, day: 22)!

    @Test func next_countsUpPerCategory() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        #expect(try (0..<3).map { _ in try store.next(category: "A", day: day) } == [1, 2, 3])
        #expect(try store.next(category: "B", day: day) == 1)
        #expect(try store.next(category: "A", day: day) == 4)
    }

    @Test func next_afterReopen_continuesWhereItStopped() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let first = try fixture.open()
        _ = try first.next(category: "A", day: day)
        _ = try first.next(category: "A", day: day)
        first.close()
        let second = try fixture.open()
        defer { second.close() }
        #expect(try second.next(category: "A", day: day) == 3)
    }

    @Test func next_onANewDay_startsAgainAtOne() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        _ = try store.next(category: "A", day: day)
        _ = try store.next(category: "A", day: day)
        #expect(try store.next(category: "A", day: day.adding(days: 1)) == 1)
        #expect(try store.next(category: "A", day: day) == 3)
    }

    @Test func next_throughTheProtocol_fromManyThreads_neverRepeatsANumber() async throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        let counter: any QueueNumberCounter = store
        let day = self.day
        let numbers = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<40 { group.addTask { try counter.next(category: "A", day: day) } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(numbers.sorted() == Array(1...40))
    }

    @Test func next_categoryTooLong_isRefused() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanUp() }
        let store = try fixture.open()
        defer { store.close() }
        #expect(throws: StoreError.self) { try store.next(category: String(repeating: "A", count: 17), day: day) }
        #expect(throws: StoreError.self) { try store.next(category: "", day: day) }
    }
}
