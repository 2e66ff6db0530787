/// Hands out queue numbers: the next sequence number for a service category on a given local day.
/// The store implements it durably; tests use an in-memory one. Implementations never return a number twice for
/// the same category and day.
public protocol QueueNumberCounter: Sendable {
    func next(category: String, day: CivilDate) throws -> Int
}
