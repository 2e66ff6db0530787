import Foundation
import KioskIO

/// The writer's way to the store: every call runs on one dedicated thread (a `BlockingLane`), so a commit's fsync or
/// a wait for another connection's lock never blocks an actor or the cooperative pool, and calls keep their order.
/// Readers that must answer while a write waits (`status`) use a read-only `TransactionStore` of their own instead.
public final class StoreLane: Sendable {
    public let store: TransactionStore
    private let lane: BlockingLane

    public init(_ store: TransactionStore, name: String = "store") {
        self.store = store
        lane = BlockingLane(name: name)
    }

    /// Runs `body` with the store on the lane; throws what `body` threw (a `StoreError` from the store's calls), or
    /// `store-closed` once the lane is closed.
    public func run<T: Sendable>(_ body: @escaping @Sendable (TransactionStore) throws -> T) async throws -> T {
        let store = store
        do {
            return try await lane.run { try body(store) }
        } catch is BlockingLane.Closed {
            throw StoreError.closed(path: store.path)
        }
    }

    /// `run` for plain threads outside the concurrency pool.
    public func runAndWait<T: Sendable>(_ body: @escaping @Sendable (TransactionStore) throws -> T) throws -> T {
        let store = store
        do {
            return try lane.runAndWait { try body(store) }
        } catch is BlockingLane.Closed {
            throw StoreError.closed(path: store.path)
        }
    }

    /// Answers once the lane has run everything queued before it: the liveness probe of the watchdog.
    public func probe() async -> Bool {
        (try? await run { _ in true }) ?? false
    }

    /// Jobs waiting for the lane.
    public var backlog: Int { lane.backlog }

    /// Runs what is queued, then closes the store (at once if the lane was already closed; closing twice is safe).
    public func close() async {
        do {
            try await run { store in store.close() }
        } catch {
            store.close()
        }
        lane.close()
    }
}
