import Foundation
import KioskDocuments
import KioskIO
import KioskProtocols
import KioskSimulators
import Testing

@testable import KioskDevices

func dispenserProfile(
    _ base: PrinterProfile = .kpmTicket80, untaken: PrinterProfile.UntakenTicketPolicy = .retract,
    takeTimeout: Int = 5000
) -> PrinterProfile {
    var profile = testProfile(base)
    profile.presenter?.untaken = untaken
    profile.presenter?.takeTimeoutMilliseconds = takeTimeout
    profile.presenter?.presentTimeoutMilliseconds = 2000
    profile.presenter?.pollIntervalMilliseconds = 10
    return profile
}

func sampleTicket() -> PrinterJob {
    let content = QueueTicketContent(
        serviceCategory: "企业登记", number: "A023", peopleWaiting: 4,
        time: Date(timeIntervalSince1970: 1_772_328_615),
        timeZone: TimeZone(secondsFromGMT: 8 * 3600)!, windowHint: "请到 3 号窗口办理")
    return PrinterJob(title: "ticket A023", bytes: QueueTicketLayout.render(content, paper: .mm80, cut: .full))
}

struct TicketDispenserTests {
    @Test func dispense_takenAfterPolls_isTakenAndPrintedInChinese() async throws {
        let simulator = try ESCPOSPrinterSimulator.startTCP(options: .dispenser(ticketTaking: .afterStatusPolls(3)))
        defer { simulator.stop() }
        let dispenser = TicketDispenser(
            configuration: PrinterConfiguration(endpoint: endpoint(of: simulator), profile: dispenserProfile()))
        #expect(await dispenser.dispense(sampleTicket()) == .taken)
        #expect(simulator.presenterEvents == [.presented, .taken])
        let ticket = try #require(simulator.documents.first)
        #expect(ticket.lines.prefix(3) == ["企业登记", "A023", "前面还有 4 人等候"])
        #expect(ticket.lines.contains("请到 3 号窗口办理"))
        await dispenser.close()
    }

    @Test func dispense_takenByHand_isTaken() async throws {
        let simulator = try ESCPOSPrinterSimulator.startPTY(options: .dispenser())
        defer { simulator.stop() }
        let dispenser = TicketDispenser(
            configuration: PrinterConfiguration(endpoint: endpoint(of: simulator), profile: dispenserProfile()))
        let citizen = Task {
            // The citizen takes the ticket once it is held out and the dispenser has seen it there.
            if await simulator.waitAsync(
                until: .after(seconds: 5), for: { $0.ticketAtExit && $0.presenterPollsWhilePresented >= 1 })
            {
                simulator.takeTicket()
            }
        }
        let result = await dispenser.dispense(sampleTicket())
        #expect(result == .taken, "\(result)")
        await citizen.value
        await dispenser.close()
    }

    @Test func dispense_notTaken_retractsPerPolicy() async throws {
        let simulator = try ESCPOSPrinterSimulator.startTCP(options: .dispenser())
        defer { simulator.stop() }
        let dispenser = TicketDispenser(
            configuration: PrinterConfiguration(
                endpoint: endpoint(of: simulator), profile: dispenserProfile(untaken: .retract, takeTimeout: 150)))
        #expect(await dispenser.dispense(sampleTicket()) == .retracted)
        #expect(simulator.presenterEvents == [.presented, .retracted])
        #expect(!simulator.ticketAtExit)
        await dispenser.close()
    }

    @Test func dispense_notTaken_leavesPerPolicy() async throws {
        let simulator = try ESCPOSPrinterSimulator.startTCP(options: .dispenser())
        defer { simulator.stop() }
        let dispenser = TicketDispenser(
            configuration: PrinterConfiguration(
                endpoint: endpoint(of: simulator), profile: dispenserProfile(untaken: .leave, takeTimeout: 150)))
        #expect(await dispenser.dispense(sampleTicket()) == .left)
        #expect(simulator.ticketAtExit)
        await dispenser.close()
    }

    @Test func dispense_customFullStatusProfile_detectsTaken() async throws {
        let simulator = try ESCPOSPrinterSimulator.startPTY(options: .dispenser(ticketTaking: .afterStatusPolls(2)))
        defer { simulator.stop() }
        let dispenser = TicketDispenser(
            configuration: PrinterConfiguration(
                endpoint: endpoint(of: simulator), profile: dispenserProfile(.customKiosk80)))
        #expect(await dispenser.dispense(sampleTicket()) == .taken)
        #expect(simulator.documents.first?.cut == .full)
        await dispenser.close()
    }

    @Test(arguments: [ESCPOSSimulatorFault.paperEnd, .coverOpen, .cutterError])
    func dispense_fault_failsWithNothingPresented(fault: ESCPOSSimulatorFault) async throws {
        let simulator = try ESCPOSPrinterSimulator.startTCP(options: .dispenser())
        defer { simulator.stop() }
        simulator.setFault(fault, true)
        let dispenser = TicketDispenser(
            configuration: PrinterConfiguration(endpoint: endpoint(of: simulator), profile: dispenserProfile()))
        let result = await dispenser.dispense(sampleTicket())
        guard case .failed(let problem) = result else {
            Issue.record("expected failed, got \(result)")
            return
        }
        #expect(problem.reason == fault.rawValue)
        #expect(simulator.presenterEvents.isEmpty)
        #expect(await dispenser.health.reasons.contains(fault.rawValue))
        await dispenser.close()
    }

    @Test func dispense_previousTicketStillInExit_isRetractedFirst() async throws {
        let simulator = try ESCPOSPrinterSimulator.startTCP(options: .dispenser())
        defer { simulator.stop() }
        let dispenser = TicketDispenser(
            configuration: PrinterConfiguration(
                endpoint: endpoint(of: simulator), profile: dispenserProfile(untaken: .leave, takeTimeout: 100)))
        #expect(await dispenser.dispense(sampleTicket()) == .left)
        // A new profile policy is not needed: with `leave`, the old ticket blocks the next one.
        let second = await dispenser.dispense(sampleTicket())
        guard case .failed(let problem) = second else {
            Issue.record("expected failed, got \(second)")
            return
        }
        #expect(problem.reason == "ticket-at-exit")
        await dispenser.close()

        let retracting = TicketDispenser(
            configuration: PrinterConfiguration(
                endpoint: endpoint(of: simulator), profile: dispenserProfile(untaken: .retract, takeTimeout: 100)))
        let citizen = Task {
            // Takes only the new ticket: after the old one was pulled back and the new one seen in the exit.
            let ready = await simulator.waitAsync(until: .after(seconds: 5)) {
                $0.presenterEvents.contains(.retracted) && $0.ticketAtExit && $0.presenterPollsWhilePresented >= 1
            }
            if ready { simulator.takeTicket() }
        }
        #expect(await retracting.dispense(sampleTicket()) == .taken)
        await citizen.value
        #expect(simulator.presenterEvents.filter { $0 == .retracted }.count == 1)
        await retracting.close()
    }
}
