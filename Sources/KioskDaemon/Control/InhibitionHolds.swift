import Foundation

/// Which connection holds the inhibition in force, when one does: `kioskctl inhibit` keeps its connection open, and
/// when that process ends — Ctrl-C, SIGKILL, a lost SSH session — the terminal goes back into service by itself
/// (docs/control-protocol.md, `inhibit`).
final class InhibitionHolds: @unchecked Sendable {
    private let lock = NSLock()
    private var holder: Int?

    /// `connection` now holds the inhibition (nil: it is kept until `release`).
    func set(_ connection: Int?) { lock.withLock { holder = connection } }

    /// True when `connection` held the inhibition; it holds nothing afterwards.
    func end(connection: Int) -> Bool {
        lock.withLock {
            guard holder == connection else { return false }
            holder = nil
            return true
        }
    }
}
