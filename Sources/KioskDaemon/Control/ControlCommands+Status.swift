import Foundation
import KioskControl
import KioskCore
import KioskDevices
import KioskIO

/// `status` and `devices`: what the terminal is doing and how each device is, as typed replies.
extension ControlCommands {
    func status() -> StatusReply {
        let daemon = daemon
        let snapshot = runBlocking { await daemon.runner.snapshot }
        var flow = FlowStatus(
            step: snapshot.step.rawValue, since: snapshot.since, eventsProcessed: snapshot.eventsProcessed,
            eventsNotApplicable: snapshot.eventsNotApplicable, lostDevices: snapshot.lostDevices.map(\.rawValue),
            recent: snapshot.lastUIEvents)
        flow.transactionID = snapshot.transactionID
        flow.handOffReason = snapshot.handOffReason?.rawValue
        flow.cancelReason = snapshot.cancelReason?.rawValue
        flow.lastTicket = snapshot.lastTicket
        flow.lastCompletedTransaction = snapshot.lastCompletedTransaction
        flow.elderly = snapshot.elderly ? true : nil
        flow.staffCall = snapshot.staffCall.map {
            FlowStatus.StaffCall(since: $0.since, by: $0.by.rawValue, reason: "\($0.reason)")
        }
        flow.lastEnded = snapshot.lastEnded.map {
            FlowStatus.Ended(transactionID: $0.transactionID, step: $0.step.rawValue, reason: "\($0.reason)")
        }
        let embedded = daemon.embeddedAuthority != nil
        let authority = AuthorityStatus(
            mode: embedded ? "embedded" : "central",
            warning: embedded && daemon.simulation == nil
                ? "applications are approved by the embedded authority, not the central service" : nil)
        var ui = ControlJSON(any: daemon.ui?.status ?? ["url": "off"])
        if let inhibition = daemon.inhibitions.inhibition, case .object(var fields) = ui {
            fields["inhibited"] = .object([
                "reason": .string(inhibition.reason), "since": .string(ControlDates.format(inhibition.since)),
                "by": .string(inhibition.by),
            ])
            ui = .object(fields)
        }
        var reply = StatusReply(
            version: KioskDaemonInfo.version, kioskID: daemon.config.kioskID, uptimeSeconds: Int(daemon.uptime),
            mode: daemon.simulation == nil ? "production" : "simulate", pid: Int(getpid()),
            devices: deviceReports(), flow: flow, store: storeStatus(), authority: authority,
            log: LogStatus(droppedLines: daemon.logger.droppedLines, level: daemon.logger.level.name), ui: ui)
        var central: [String: Any] = [:]
        if let pull = daemon.pullListener { central["pull"] = pull.status }
        if let listener = daemon.metricsListener { central["metrics"] = listener.status }
        if let pusher = daemon.pusher { central["push"] = pusher.status }
        if !central.isEmpty { reply.central = ControlJSON(any: central) }
        if let simulation = daemon.simulation {
            var entry: [String: Any] = [
                "idReaderPTY": simulation.idReader.devicePath,
                "outputDirectory": simulation.outputDirectory.path,
                "licencePrinter": simulation.cups.map { "private cupsd \($0.socketPath) queue \($0.queue)" }
                    ?? "pdf directory",
            ]
            if let centre = simulation.centre {
                entry["centre"] = [
                    "url": centre.url, "control": centre.control, "certificateSHA256": centre.certificateSHA256,
                    "running": centre.isRunning,
                ]
            }
            reply.simulation = ControlJSON(any: entry)
        }
        return reply
    }

    private func storeStatus() -> StoreStatus {
        var store: StoreStatus
        do {
            let figures = try daemon.statusStore.figures()
            store = StoreStatus(state: "ok")
            store.completedTransactions = figures.completedTransactions
            store.endedTransactions = figures.endedTransactions
            store.pendingOutbox = figures.pendingOutbox
            store.lastSeq = figures.lastSeq
            store.unresolvedLicenceJobs = figures.unresolvedLicenceJobs
            store.databaseBytes = figures.databaseBytes
            store.journalMode = figures.journalMode
        } catch let failure {
            store = StoreStatus(state: "error")
            store.reasons = failure.healthReason.map { [$0] } ?? []
            store.error = failure.description
        }
        if let report = daemon.maintenance.latestReport {
            store.maintenance = StoreStatus.Maintenance(
                at: report.at, purged: report.purged, problems: report.problems, integrity: report.integrity,
                backup: report.backup)
            // A daily check that found damage makes the store unhealthy even while its queries still answer.
            if let integrity = report.integrity, integrity != "ok" {
                store.state = "error"
                store.reasons = (store.reasons ?? []) + [integrity]
            }
        }
        return store
    }

    /// `devices`: as in `status`, and the reader's SAM ID, asked once between polls and kept (it never changes while
    /// the reader is attached; a reader that does not answer within 2 s is shown without one).
    func devices(role: DeviceRole?) -> Reply {
        var reports = deviceReports().filter { role == nil || $0.role == role }
        if let index = reports.firstIndex(where: { $0.role == .idReader }), reports[index].samID == nil {
            reports[index].samID = readerSAMID()
        }
        return DevicesReply(devices: reports)
    }

    private func readerSAMID() -> String? {
        let activity = daemon.terminal.activity
        if let known = activity.samID { return known }
        guard let reader = daemon.terminal.idReader, daemon.terminal.health(of: .idReader).state == .ready else {
            return nil
        }
        let report = runBlocking {
            await firstAnswer(within: .seconds(2)) { try? await reader.selfTest() }
        }
        guard let id = report??.samID?.formatted else { return nil }
        activity.samID = id
        return id
    }

    /// Each role's health with what kioskd knows around it: endpoint, since when, counters, identity, and the last
    /// error the driver reports in its `DeviceHealth`.
    func deviceReports() -> [DeviceReport] {
        let terminal = daemon.terminal
        let counts = terminal.activity.current
        return DeviceRole.allCases.map { role in
            let health = terminal.health(of: role)
            var report = DeviceReport(
                role: role, state: health.state.rawValue, reasons: health.reasons,
                endpoint: terminal.endpoints[role] ?? "not configured",
                required: terminal.endpoints[role] != nil && (role != .camera || terminal.cameraRequired),
                since: terminal.activity.since(role))
            switch role {
            case .idReader: report.counters = DeviceCounters(cardsRead: counts.cardsRead, cardErrors: counts.cardErrors)
            case .receiptPrinter: report.counters = DeviceCounters(receipts: counts.receipts)
            case .ticketDispenser: report.counters = DeviceCounters(tickets: counts.tickets)
            case .licencePrinter: report.counters = DeviceCounters(licences: counts.licences)
            case .camera: break
            }
            if case .usb(_, _, let serial)? = daemon.config.devices[role]?.endpoint { report.serial = serial }
            switch role {
            case .idReader:
                report.model = terminal.idReader.map { _ in daemon.config.devices[role]?.profile ?? "GA 467 reader" }
            case .receiptPrinter: report.model = terminal.receiptPrinter?.configuration.profile.name
            case .ticketDispenser: report.model = terminal.ticketDispenser?.configuration.profile.name
            case .licencePrinter, .camera: break
            }
            if role == .idReader { report.samID = terminal.activity.samID }
            Self.merge(driverFacts: health, into: &report)
            return report
        }
    }

    /// Since when the device is in its state, and its last failed call (node, errno, sentence), from the driver's
    /// `DeviceHealth`.
    static func merge(driverFacts health: DeviceHealth, into report: inout DeviceReport) {
        if let since = health.since { report.since = since }
        if let error = health.lastError {
            report.lastError = DeviceErrorReport(
                message: error.message, path: error.path.isEmpty ? nil : error.path,
                errno: error.errno == 0 ? nil : Int(error.errno))
        }
    }
}
