import Foundation
import KioskCore
import KioskDevices
import KioskIO
import KioskSimulators
import Testing

@testable import KioskDaemon

/// Hotplug's `open` reaches the drivers (docs/ARCHITECTURE.md §4.7): the ID reader reopens at once instead of
/// waiting out its back-off, and the receipt printer and ticket dispenser follow their device to a new node through
/// `DeviceRoutes`, as the ID reader does. What `DeviceManager` does on `HotplugAction.open` is done here by hand — route
/// the role, then `Terminal.healthToResync` — with real simulators on real pseudo-terminals going away and coming
/// back on another path.
@Suite struct DeviceReplugTests {
    @Test func theReaderReopensAtOnceWhenTheDeviceSettles_notAfterItsBackOff() async throws {
        let first = try IDReaderSimulator(card: nil)
        defer { first.stop() }
        // Made now, so the kernel cannot hand the first one's pseudo-terminal number to it.
        let second = try IDReaderSimulator(card: nil)
        defer { second.stop() }
        let routes = DeviceRoutes()
        // A back-off far longer than the test's deadlines: only `reopenNow` can bring the reader back in time.
        let profile = IDReaderProfile(
            transport: .serial(path: first.devicePath, baudRate: 115200), pollInterval: .milliseconds(20),
            initialReopenDelay: .seconds(60), maximumReopenDelay: .seconds(60))
        let reader = IDCardReader(profile: profile) { profile in
            var routed = profile
            if let node = routes.node(of: .idReader) { routed.transport = .serial(path: node, baudRate: 115200) }
            return try IDCardReader.openTransport(routed)
        }
        let terminal = Terminal(
            idReader: reader, receiptPrinter: nil, ticketDispenser: nil, licenceOutput: nil,
            endpoints: [.idReader: "serial \(first.devicePath)"])
        let log = ReaderReplugTests.EventLog()
        let running = Task { await reader.run() }
        let pump = Task {
            for await event in reader.events {
                if let health = ReaderReplugTests.health(event) { terminal.update(.idReader, health) }
                await log.append(event)
            }
        }
        defer {
            running.cancel()
            pump.cancel()
        }
        #expect(await log.next(within: .seconds(10)) { ReaderReplugTests.health($0)?.state == .ready } != nil)
        first.unplug()
        #expect(
            await log.next(within: .seconds(10)) { ReaderReplugTests.health($0)?.state == .disconnected } != nil)

        let settled = ContinuousClock.now
        routes.route(.idReader, to: second.devicePath)
        _ = await terminal.healthToResync(.idReader)
        #expect(await log.next(within: .seconds(10)) { ReaderReplugTests.health($0)?.state == .ready } != nil)
        #expect(ContinuousClock.now - settled < .seconds(10), "reopened long before the 60 s back-off")
        #expect(second.count(of: .samStatus) > 0, "the reader on the new node was opened")
    }

    @Test(arguments: ["receiptPrinter", "ticketDispenser"])
    func aPrinterFollowsItsDeviceToANewNode(roleName: String) async throws {
        let role = try #require(DeviceRole(rawValue: roleName))
        let options: ESCPOSPrinterSimulator.Options = role == .ticketDispenser ? .dispenser() : .receiptPrinter
        let first = try ESCPOSPrinterSimulator.startPTY(options: options)
        defer { first.stop() }
        let second = try ESCPOSPrinterSimulator.startPTY(options: options)
        defer { second.stop() }
        guard case .pty(let firstPath) = first.endpoint, case .pty(let secondPath) = second.endpoint else {
            Issue.record("the simulators were meant to be on pseudo-terminals")
            return
        }
        #expect(firstPath != secondPath)
        let routes = DeviceRoutes()
        let configuration = try #require(
            DeviceFactory.printerConfiguration(
                DeviceConfig(endpoint: .serial(path: firstPath, baud: 115200), profile: "generic-80"), role: role))
        let receiptPrinter =
            role == .receiptPrinter
            ? ReceiptPrinter(configuration: configuration, route: { routes.node(of: .receiptPrinter) }) : nil
        let ticketDispenser =
            role == .ticketDispenser
            ? TicketDispenser(configuration: configuration, route: { routes.node(of: .ticketDispenser) }) : nil
        let terminal = Terminal(
            idReader: nil, receiptPrinter: receiptPrinter, ticketDispenser: ticketDispenser, licenceOutput: nil,
            endpoints: [role: "serial \(firstPath)"])

        #expect(await Self.printLine("before", receiptPrinter, ticketDispenser) == .printed)
        #expect(first.waitForDocuments(1, deadline: .after(seconds: 5)))
        terminal.update(role, await Self.refresh(receiptPrinter, ticketDispenser))
        first.stop()  // unplugged: the node goes away
        let lost = await Self.refresh(receiptPrinter, ticketDispenser)
        #expect(lost.state == .disconnected)
        terminal.update(role, lost)

        routes.route(role, to: secondPath)  // the monitor found it again, on another node
        let restored = await terminal.healthToResync(role)
        #expect(restored?.state == .ready, "the terminal shows the role back")
        #expect(await Self.printLine("after", receiptPrinter, ticketDispenser) == .printed)
        #expect(second.waitForDocuments(1, deadline: .after(seconds: 5)))
        #expect(second.documents.first?.text.contains("after") == true)
        await receiptPrinter?.close()
        await ticketDispenser?.close()
    }

    static func printLine(_ title: String, _ printer: ReceiptPrinter?, _ dispenser: TicketDispenser?) async
        -> PrintResult
    {
        let job = PrinterJob(title: title, bytes: Array("\(title)\n".utf8) + [0x1D, 0x56, 0x00])
        if let printer { return await printer.print(job) }
        return await dispenser?.print(job) ?? .failed(PrintProblem(reason: "none", message: "no printer"))
    }

    static func refresh(_ printer: ReceiptPrinter?, _ dispenser: TicketDispenser?) async -> DeviceHealth {
        if let printer { return await printer.refreshStatus() }
        return await dispenser?.refreshStatus() ?? DeviceHealth(.disconnected, reasons: ["not-configured"])
    }
}
