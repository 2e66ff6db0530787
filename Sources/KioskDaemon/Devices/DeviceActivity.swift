import Foundation
import KioskCore

/// What each device has done since kioskd started, for `kioskctl devices`: counted where the work is handed to the
/// device (the reader's events, the flow's prints), so a technician sees whether a device is used at all.
public final class DeviceActivity: @unchecked Sendable {
    public struct Counts: Sendable, Hashable {
        public var cardsRead = 0
        public var cardErrors = 0
        public var receipts = 0
        public var receiptFailures = 0
        public var tickets = 0
        public var licences = 0
    }

    private let lock = NSLock()
    private var counts = Counts()
    /// When each role last changed state, kept here so `since` does not depend on what a driver reports.
    private var since: [DeviceRole: Date] = [:]
    private var states: [DeviceRole: String] = [:]
    private var knownSAMID: String?

    public init() {}

    public var current: Counts { lock.withLock { counts } }

    func count(_ change: (inout Counts) -> Void) { lock.withLock { change(&counts) } }

    /// Notes `state` for `role`, keeping the time of the last change.
    func observe(_ role: DeviceRole, state: String, at now: Date) {
        lock.withLock {
            guard states[role] != state else { return }
            states[role] = state
            since[role] = now
            if role == .idReader && state == "disconnected" { knownSAMID = nil }
        }
    }

    func since(_ role: DeviceRole) -> Date? { lock.withLock { since[role] } }

    /// The reader's SAM ID once read; forgotten when the reader is lost (another reader may be plugged in).
    var samID: String? {
        get { lock.withLock { knownSAMID } }
        set { lock.withLock { knownSAMID = newValue } }
    }
}
