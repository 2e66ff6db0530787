import Foundation
import KioskDevices
import Testing

@testable import KioskDaemon

/// `since` says when a role entered its state: a driver reporting the same state again keeps it, a change resets it.
@Suite struct TerminalHealthSinceTests {
    @Test func anEqualReportKeepsSince_aChangeTakesTheNewOne() {
        let terminal = Terminal(
            idReader: nil, receiptPrinter: nil, ticketDispenser: nil, licenceOutput: nil,
            endpoints: [.receiptPrinter: "tcp 127.0.0.1:9100"])
        let first = Date(timeIntervalSince1970: 1_000)
        terminal.update(.receiptPrinter, DeviceHealth(.ready, since: first))
        terminal.update(.receiptPrinter, DeviceHealth(.ready, since: Date(timeIntervalSince1970: 2_000)))
        #expect(terminal.health(of: .receiptPrinter).since == first)
        let lost = Date(timeIntervalSince1970: 3_000)
        let error = DeviceHealth.LastError(path: "tcp 127.0.0.1:9100", errno: 0, message: "no answer in time")
        terminal.update(
            .receiptPrinter, DeviceHealth(.disconnected, reasons: ["not-responding"], since: lost, lastError: error))
        #expect(terminal.health(of: .receiptPrinter).since == lost)
        #expect(terminal.health(of: .receiptPrinter).lastError == error)
    }
}
