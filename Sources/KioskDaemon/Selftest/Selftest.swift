import Foundation
import KioskControl
import KioskCore
import KioskDevices
import KioskDocuments

/// `kioskctl selftest`: each target tested through the daemon's own drivers while it runs (docs/control-protocol.md).
/// Only the drivers' public calls are used, so a test page goes the way a citizen's receipt goes. Every reason is one
/// line without personal data: a selftest prints test pages, never a citizen's record.
struct Selftest: Sendable {
    let daemon: Daemon
    /// A real licence test page on the licence queue (uses a sheet of licence stock); otherwise a dry check only.
    let printLicence: Bool

    func run(_ targets: [SelftestTarget]) async -> [SelftestCheck] {
        var checks: [SelftestCheck] = []
        for target in targets {
            switch target {
            case .idReader: checks += await idReader()
            case .receiptPrinter: checks += await receiptPrinter()
            case .ticketDispenser: checks += await ticketDispenser()
            case .licencePrinter: checks += await licencePrinter()
            case .central: checks += await SelftestCentral(daemon: daemon).run()
            case .host: checks += SelftestHost(daemon: daemon).run()
            }
        }
        return checks
    }

    /// The SAM status (`11 FF`) and SAM ID (`12 FF`), asked between the reader's polls.
    private func idReader() async -> [SelftestCheck] {
        guard let reader = daemon.terminal.idReader else { return [Self.notConfigured(.idReader)] }
        do {
            let report = try await reader.selfTest()
            let status =
                report.samStatus == .success
                ? SelftestCheck(.idReader, "SAM status", .pass, "\(report.samStatus)")
                : SelftestCheck(.idReader, "SAM status", .fail, "\(report.samStatus.reasonCode): \(report.samStatus)")
            let id =
                report.samID.map { SelftestCheck(.idReader, "SAM ID", .pass, "\($0)") }
                ?? SelftestCheck(.idReader, "SAM ID", .fail, "the SAM gave no ID")
            return [status, id]
        } catch {
            return [SelftestCheck(.idReader, "SAM status", .fail, Self.oneLine("\(error)"))]
        }
    }

    /// A test receipt (ReceiptTestPage) in the configured paper width, then the printer's status.
    private func receiptPrinter() async -> [SelftestCheck] {
        guard let printer = daemon.terminal.receiptPrinter else { return [Self.notConfigured(.receiptPrinter)] }
        let profile = profile(of: .receiptPrinter)
        let stamp = Self.localTime(daemon.clock(), in: daemon.config.flow.timeZone)
        let bytes = ReceiptTestPage.render(
            paper: profile.paper, cut: profile.cut, qrPayload: "kioskd selftest \(stamp)", stamp: stamp)
        let printed: SelftestCheck
        switch await printer.print(PrinterJob(title: "selftest receipt", bytes: bytes)) {
        case .printed: printed = SelftestCheck(.receiptPrinter, "test receipt", .pass, "printed (\(bytes.count) bytes)")
        case .failed(let problem):
            printed = SelftestCheck(.receiptPrinter, "test receipt", .fail, Self.oneLine("not printed: \(problem)"))
        case .unknown(let problem):
            printed = SelftestCheck(.receiptPrinter, "test receipt", .fail, Self.oneLine("not confirmed: \(problem)"))
        }
        let health = await printer.refreshStatus()
        daemon.terminal.update(.receiptPrinter, health)
        return [printed, Self.status(.receiptPrinter, health)]
    }

    /// A test ticket, and what became of it: taken (pass), left in the exit or retracted (warn), failed (fail).
    private func ticketDispenser() async -> [SelftestCheck] {
        guard let dispenser = daemon.terminal.ticketDispenser else { return [Self.notConfigured(.ticketDispenser)] }
        let profile = profile(of: .ticketDispenser)
        let content = QueueTicketContent(
            serviceCategory: "自助终端自检", number: "T000", peopleWaiting: 0, time: daemon.clock(),
            timeZone: daemon.config.flow.timeZone, windowHint: "测试票，无需办理")
        let bytes = QueueTicketLayout.render(content, paper: profile.paper, cut: profile.cut)
        let outcome: SelftestCheck
        switch await dispenser.dispense(PrinterJob(title: "selftest ticket", bytes: bytes)) {
        case .taken: outcome = SelftestCheck(.ticketDispenser, "test ticket", .pass, "dispensed and taken")
        case .left: outcome = SelftestCheck(.ticketDispenser, "test ticket", .warn, "dispensed; left in the exit")
        case .retracted: outcome = SelftestCheck(.ticketDispenser, "test ticket", .warn, "dispensed; retracted")
        case .failed(let problem):
            outcome = SelftestCheck(.ticketDispenser, "test ticket", .fail, Self.oneLine("not dispensed: \(problem)"))
        case .unknown(let problem):
            outcome = SelftestCheck(.ticketDispenser, "test ticket", .fail, Self.oneLine("not confirmed: \(problem)"))
        }
        let health = await dispenser.refreshStatus()
        daemon.terminal.update(.ticketDispenser, health)
        return [outcome, Self.status(.ticketDispenser, health)]
    }

    private func licencePrinter() async -> [SelftestCheck] {
        guard let output = daemon.terminal.licenceOutput else { return [Self.notConfigured(.licencePrinter)] }
        if let cups = output as? CUPSLicenceOutput {
            return await SelftestLicenceQueue(printer: cups.printer, printTestPage: printLicence).run()
        }
        var checks = [SelftestCheck(.licencePrinter, "output", .pass, Self.oneLine(output.summary))]
        guard printLicence else {
            checks.append(SelftestCheck(.licencePrinter, "test page", .pass, SelftestLicenceQueue.skipped))
            return checks
        }
        let journal = LicenceJournal(willSend: { _ in }, didCreate: { _, _ in })
        let outcome = await output.print(
            pdf: SelftestTestPage.pdf(), jobUUID: "selftest-" + UUID().uuidString.lowercased(), reprintOf: nil,
            authorisedBy: nil, journal: journal, deadline: .after(seconds: 60))
        checks.append(SelftestLicenceQueue.verdict(outcome))
        return checks
    }

    /// The printer profile the role is configured with (its paper width and cut), as DeviceFactory chooses it.
    private func profile(of role: DeviceRole) -> PrinterProfile {
        daemon.config.devices[role].flatMap { DeviceFactory.printerConfiguration($0, role: role)?.profile }
            ?? (role == .ticketDispenser ? .kpmTicket80 : .generic80)
    }

    static func notConfigured(_ target: SelftestTarget) -> SelftestCheck {
        SelftestCheck(target, "configured", .warn, "not configured (no devices.\(target.rawValue) in the config)")
    }

    /// A device's health as a verdict: ready passes, degraded (e.g. paper near its end) warns, anything else fails.
    static func status(_ target: SelftestTarget, _ health: DeviceHealth) -> SelftestCheck {
        let result: SelftestResult =
            switch health.state {
            case .ready: .pass
            case .degraded: .warn
            case .starting, .faulted, .disconnected: .fail
            }
        return SelftestCheck(target, "status", result, health.description)
    }

    /// `2026-12-01 09:30:15` in the hall's time zone, printed on the test receipt.
    static func localTime(_ instant: Date, in timeZone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.timeZone = timeZone
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: instant)
    }

    /// Errors as one line (a driver's message may span several).
    static func oneLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 200 ? String(line.prefix(199)) + "…" : line
    }
}
