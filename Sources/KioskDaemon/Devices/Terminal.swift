import Foundation
import KioskCore
import KioskDevices
import KioskDocuments
import KioskIO
import KioskProtocols

/// The devices of one terminal, by role, with the health each last reported. Any role may be absent (not
/// configured); the flow then reports that device as unavailable when it needs it.
public final class Terminal: @unchecked Sendable {
    public let idReader: IDCardReader?
    public let receiptPrinter: ReceiptPrinter?
    public let ticketDispenser: TicketDispenser?
    public let licenceOutput: (any LicenceOutput)?
    /// Where each device is attached, for status.
    public let endpoints: [DeviceRole: String]
    private let lock = NSLock()
    private var healthByRole: [DeviceRole: DeviceHealth] = [:]

    public init(idReader: IDCardReader?, receiptPrinter: ReceiptPrinter?, ticketDispenser: TicketDispenser?,
                licenceOutput: (any LicenceOutput)?, endpoints: [DeviceRole: String]) {
        self.idReader = idReader
        self.receiptPrinter = receiptPrinter
        self.ticketDispenser = ticketDispenser
        self.licenceOutput = licenceOutput
        self.endpoints = endpoints
        for role in DeviceRole.allCases {
            healthByRole[role] = endpoints[role] == nil ? DeviceHealth(.disconnected, reasons: ["not-configured"]) : DeviceHealth(.starting)
        }
    }

    public func health(of role: DeviceRole) -> DeviceHealth { lock.withLock { healthByRole[role] ?? DeviceHealth(.starting) } }

    /// Records `health` and says whether the device went from usable to lost (true, false) or back (false, true).
    @discardableResult
    public func update(_ role: DeviceRole, _ health: DeviceHealth) -> (lost: Bool, restored: Bool) {
        lock.withLock {
            let old = healthByRole[role] ?? DeviceHealth(.starting)
            healthByRole[role] = health
            let wasUsable = Terminal.isUsable(old)
            let isUsable = Terminal.isUsable(health)
            return (wasUsable && !isUsable && health.state != .starting, !wasUsable && isUsable && old.state != .starting)
        }
    }

    static func isUsable(_ health: DeviceHealth) -> Bool { health.state == .ready || health.state == .degraded }

    /// Refreshes the health of the devices that are polled rather than evented (printers).
    public func refreshHealth() async {
        if let receiptPrinter { update(.receiptPrinter, await receiptPrinter.pollIfIdle()) }
        if let ticketDispenser { update(.ticketDispenser, await ticketDispenser.pollIfIdle()) }
        if let licenceOutput { update(.licencePrinter, await licenceOutput.health()) }
    }
}
