import Foundation
import KioskCore
import KioskIO

extension TransactionStore: QueueNumberCounter {
    static let maximumCategoryLength = 16

    /// The next queue number for `category` on `day`: 1 for the first ticket of the day, then 2, 3, ... Durable
    /// before it returns, so a number is never handed out twice for the same category and day, across restarts too.
    public func next(category: String, day: CivilDate) throws(StoreError) -> Int {
        guard !category.isEmpty, category.count <= Self.maximumCategoryLength else {
            throw .invalidArgument(
                "a queue category must have 1–\(Self.maximumCategoryLength) characters, got \(category.count)")
        }
        let number = try writing("take the next queue number for \(category) on \(day)") { db in
            try db.firstRow(
                """
                INSERT INTO queue_counters (category, day, last_number) VALUES (?, ?, 1)
                ON CONFLICT (category, day) DO UPDATE SET last_number = last_number + 1
                RETURNING last_number
                """,
                [.text(category), .text(day.description)]
            ) { $0.int64(0) }
        }
        guard let number else { throw .invalidArgument("the queue counter for \(category) returned no number") }
        return Int(number)
    }
}
