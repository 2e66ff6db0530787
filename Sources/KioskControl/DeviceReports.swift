import Foundation
import KioskCore

/// What a device reported about its last failure: enough to find the node and the call (`errno` 2 on
/// `/dev/ttyUSB0` is a missing node, 13 a permission problem).
public struct DeviceErrorReport: Sendable, Hashable, Codable {
    public var message: String
    public var path: String?
    public var errno: Int?
    public var at: Date?

    public init(message: String, path: String? = nil, errno: Int? = nil, at: Date? = nil) {
        self.message = message
        self.path = path
        self.errno = errno
        self.at = at
    }
}

/// Work a device has done since kioskd started. Each applies to one role; the others are absent.
public struct DeviceCounters: Sendable, Hashable, Codable {
    public var cardsRead: Int?
    public var cardErrors: Int?
    public var receipts: Int?
    public var tickets: Int?
    public var licences: Int?

    public init(
        cardsRead: Int? = nil, cardErrors: Int? = nil, receipts: Int? = nil, tickets: Int? = nil,
        licences: Int? = nil
    ) {
        self.cardsRead = cardsRead
        self.cardErrors = cardErrors
        self.receipts = receipts
        self.tickets = tickets
        self.licences = licences
    }
}

/// One device as `devices` (and `status`) report it.
public struct DeviceReport: Sendable, Hashable, Codable {
    public var role: DeviceRole
    /// `starting`, `ready`, `degraded`, `faulted` or `disconnected`.
    public var state: String
    public var reasons: [String]
    /// Where it is attached, or `not configured`.
    public var endpoint: String
    /// Configured devices are required: `status` exits 1 while one is not ready.
    public var required: Bool
    /// Since when it has been in `state`.
    public var since: Date?
    public var model: String?
    public var serial: String?
    public var samID: String?
    public var firmware: String?
    public var lastError: DeviceErrorReport?
    public var counters: DeviceCounters

    public init(
        role: DeviceRole, state: String, reasons: [String], endpoint: String, required: Bool, since: Date? = nil,
        counters: DeviceCounters = DeviceCounters()
    ) {
        self.role = role
        self.state = state
        self.reasons = reasons
        self.endpoint = endpoint
        self.required = required
        self.since = since
        self.counters = counters
    }

    /// Only `ready` counts: a degraded device (paper near end, a failing SAM) is what a technician is called for.
    public var isReady: Bool { state == "ready" }
}

public struct DevicesReply: Sendable, Hashable, Codable {
    public var `class` = "devices"
    public var ok = true
    public var devices: [DeviceReport]
    public init(devices: [DeviceReport]) { self.devices = devices }
}
