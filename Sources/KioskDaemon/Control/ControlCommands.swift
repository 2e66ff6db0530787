import Foundation
import KioskCore
import KioskDevices
import KioskIO
import KioskSimulators
import KioskStore

/// The commands of the control sockets. `kioskd.sock` answers read-only ones (`status`); `admin.sock` adds the
/// `flow` command set that a touch UI, a scripted citizen or a test uses to inject UI events, staff assists
/// (`staff`), and in simulate mode the simulators' controls (`sim`).
struct ControlCommands: Sendable {
    let daemon: Daemon

    func handle(_ request: [String: Any], peer: PeerCredentials?, admin: Bool) -> [String: Any] {
        guard let command = request["command"] as? String else { return error("missing \"command\"") }
        switch command {
        case "status": return status()
        case "ping": return ["class": "pong", "ok": true]
        case "capture": return admin ? capture(request, peer: peer) : error("'capture' is only available on admin.sock")
        case "flow", "staff", "sim", "log-level", "inhibit", "release":
            guard admin else { return error("'\(command)' is only available on admin.sock") }
            daemon.logger.debug(
                "control",
                "admin \(command) \(request["event"] ?? request["action"] ?? "") from \(peer.map(\.description) ?? "?")"
            )
            switch command {
            case "flow": return flow(request)
            case "staff": return staff(request)
            case "sim": return simulate(request)
            case "inhibit": return inhibit(request, peer: peer)
            case "release": return release(peer: peer)
            default: return logLevel(request)
            }
        default:
            return error(
                "unknown command '\(command)'; try status"
                    + (admin ? ", flow, staff, sim, log-level, inhibit, release" : ""))
        }
    }

    private func error(_ message: String) -> [String: Any] { ["class": "error", "ok": false, "error": message] }

    // MARK: status

    func status() -> [String: Any] {
        let daemon = daemon
        let snapshot = runBlocking { await daemon.runner.snapshot }
        var devices: [[String: Any]] = []
        for role in DeviceRole.allCases {
            let health = daemon.terminal.health(of: role)
            devices.append([
                "role": role.rawValue, "state": health.state.rawValue, "reasons": health.reasons,
                "endpoint": daemon.terminal.endpoints[role] ?? "not configured",
            ])
        }
        var store: [String: Any] = [:]
        do {
            let figures = try daemon.statusStore.figures()
            store = [
                "completedTransactions": figures.completedTransactions, "endedTransactions": figures.endedTransactions,
                "pendingOutbox": figures.pendingOutbox, "lastSeq": figures.lastSeq,
                "unresolvedLicenceJobs": figures.unresolvedLicenceJobs, "databaseBytes": figures.databaseBytes,
                "journalMode": figures.journalMode, "state": "ok",
            ]
        } catch let failure {
            store = ["state": "error", "reasons": [failure.healthReason], "error": failure.description]
        }
        if let report = daemon.maintenance.latestReport {
            var maintenance: [String: Any] = [
                "at": ISO8601DateFormatter().string(from: report.at), "purged": report.purged,
                "problems": report.problems,
            ]
            if let integrity = report.integrity { maintenance["integrity"] = integrity }
            if let backup = report.backup { maintenance["backup"] = backup }
            store["maintenance"] = maintenance
            // A daily check that found damage makes the store unhealthy even while its queries still answer.
            if let integrity = report.integrity, integrity != "ok" {
                store["state"] = "error"
                store["reasons"] = ((store["reasons"] as? [String]) ?? []) + [integrity]
            }
        }
        var flow: [String: Any] = [
            "step": snapshot.step.rawValue, "since": ISO8601DateFormatter().string(from: snapshot.since),
            "eventsProcessed": snapshot.eventsProcessed, "eventsNotApplicable": snapshot.eventsNotApplicable,
            "lostDevices": snapshot.lostDevices.map(\.rawValue), "recent": snapshot.lastUIEvents,
        ]
        if let id = snapshot.transactionID { flow["transactionID"] = id }
        if let reason = snapshot.handOffReason { flow["handOffReason"] = reason.rawValue }
        if let reason = snapshot.cancelReason { flow["cancelReason"] = reason.rawValue }
        if let ticket = snapshot.lastTicket { flow["lastTicket"] = ticket }
        if let id = snapshot.lastCompletedTransaction { flow["lastCompletedTransaction"] = id }
        if snapshot.elderly { flow["elderly"] = true }
        if let call = snapshot.staffCall {
            flow["staffCall"] = [
                "since": ISO8601DateFormatter().string(from: call.since), "by": call.by.rawValue, "reason": call.reason,
            ]
        }
        if let ended = snapshot.lastEnded {
            flow["lastEnded"] = [
                "transactionID": ended.transactionID, "step": ended.step.rawValue, "reason": ended.reason,
            ]
        }
        var authority: [String: Any] = ["mode": daemon.embeddedAuthority == nil ? "central" : "embedded"]
        if daemon.embeddedAuthority != nil && daemon.simulation == nil {
            authority["warning"] = "applications are approved by the embedded authority, not the central service"
        }
        var reply: [String: Any] = [
            "class": "status", "ok": true, "authority": authority, "version": KioskDaemonInfo.version,
            "kioskID": daemon.config.kioskID,
            "uptimeSeconds": Int(daemon.uptime), "mode": daemon.simulation == nil ? "production" : "simulate",
            "devices": devices, "flow": flow, "store": store, "pid": Int(getpid()),
            "log": ["droppedLines": daemon.logger.droppedLines],
        ]
        if let pull = daemon.pullListener { reply["central"] = ["pull": pull.status] }
        var ui: [String: Any] = daemon.ui?.status ?? ["url": "off"]
        if let inhibition = daemon.inhibitions.inhibition {
            ui["inhibited"] = [
                "reason": inhibition.reason, "since": ISO8601DateFormatter().string(from: inhibition.since),
                "by": inhibition.by,
            ]
        }
        reply["ui"] = ui
        if let listener = daemon.metricsListener {
            var central = reply["central"] as? [String: Any] ?? [:]
            central["metrics"] = listener.status
            reply["central"] = central
        }
        if let pusher = daemon.pusher {
            var central = reply["central"] as? [String: Any] ?? [:]
            central["push"] = pusher.status
            reply["central"] = central
        }
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
            reply["simulation"] = entry
        }
        return reply
    }

    // MARK: flow

    private func flow(_ request: [String: Any]) -> [String: Any] {
        guard let name = request["event"] as? String else { return error("flow needs \"event\"") }
        let event: FlowEvent
        switch name {
        case "start":
            let id = Self.newTransactionID(
                kioskID: daemon.config.kioskID, at: daemon.clock(), timeZone: daemon.config.flow.timeZone)
            guard request["elderly"] == nil || request["elderly"] is Bool else {
                return error("start's \"elderly\" must be true or false")
            }
            event = .start(
                transactionID: id, kioskID: daemon.config.kioskID, elderly: request["elderly"] as? Bool ?? false)
        case "citizen-active": event = .citizenActive
        case "confirm-identity": event = .confirmIdentity
        case "submit-form":
            guard let form = request["form"] as? [String: Any] else { return error("submit-form needs \"form\"") }
            switch Self.parseForm(form) {
            case .success(let parsed): event = .submitForm(parsed)
            case .failure(let problem): return error(problem.description)
            }
        case "sign":
            if let hash = request["signatureSHA256"] as? String {
                event = .sign(signatureSHA256: hash)
            } else if let image = request["signature"] as? String,
                image.utf8.count <= 4 * (SignatureImage.maximumBytes / 3 + 1),
                let data = Data(base64Encoded: image)
            {
                // The touch screen's path: the image is kept with the session, the flow gets its hash.
                return sign(png: Array(data))
            } else {
                return error(
                    "sign needs \"signatureSHA256\" (64 hex digits) or \"signature\" (a base64 PNG, at most 256 KiB)")
            }
        case "confirm": event = .confirm(declarationAccepted: request["declarationAccepted"] as? Bool ?? false)
        case "rate":
            switch Self.parseRating(request) {
            case .success(let rating): event = .rate(rating)
            case .failure(let problem): return error(problem.description)
            }
        case "skip-rating": event = .skipRating
        case "cancel": event = .cancel
        case "request-hand-off": event = .requestHandOff
        case "call-staff": event = .callStaff
        case "wait": return waitForStep(request)
        case "wait-ui": return waitForUI(request)
        default:
            return error(
                "unknown flow event '\(name)'; one of start, citizen-active, confirm-identity, submit-form, sign, confirm, rate, skip-rating, cancel, request-hand-off, call-staff"
            )
        }
        return reply(to: event)
    }

    /// `sign` with a base64 PNG: the same path as the touch screen's (`FlowRunner.sign(png:)`).
    private func sign(png: [UInt8]) -> [String: Any] {
        let runner = daemon.runner
        let answer = runBlocking { () -> Result<FlowTransition.Disposition, FlowRunner.SignError> in
            do throws(FlowRunner.SignError) {
                return .success(try await runner.sign(png: png))
            } catch {
                return .failure(error)
            }
        }
        return reply(answer.mapError { ControlProblem($0.description) })
    }

    /// `rate`: `"grade"` 1…5, with 1–2 optionally `"reasons"` (efficiency, attitude, deviceFault, complexity, other)
    /// and `"followUpConsent"`.
    static func parseRating(_ request: [String: Any]) -> Result<ServiceRating, ControlProblem> {
        let value: Int
        do {
            value = try wholeNumber(request, "grade", in: 1...5, default: 0)
        } catch {
            return .failure(ControlProblem("rate: \(error.description)"))
        }
        guard let grade = ServiceGrade(rawValue: value) else {
            return .failure(ControlProblem("rate needs \"grade\": 1 (非常不满意) … 5 (非常满意)"))
        }
        var reasons: [RatingReason] = []
        if let given = request["reasons"] {
            let known = RatingReason.allCases.map(\.rawValue).joined(separator: ", ")
            guard let texts = given as? [String], texts.count <= RatingReason.allCases.count else {
                return .failure(ControlProblem("rate's \"reasons\" must be a list of: \(known)"))
            }
            for text in texts {
                guard let reason = RatingReason(rawValue: text) else {
                    return .failure(ControlProblem("unknown rating reason '\(text.prefix(40))'; one of \(known)"))
                }
                reasons.append(reason)
            }
        }
        guard request["followUpConsent"] == nil || request["followUpConsent"] is Bool else {
            return .failure(ControlProblem("rate's \"followUpConsent\" must be true or false"))
        }
        return .success(
            ServiceRating(
                grade: grade, reasons: reasons, followUpConsent: request["followUpConsent"] as? Bool ?? false))
    }

    private func reply(to event: FlowEvent) -> [String: Any] {
        let runner = daemon.runner
        let answer = runBlocking { () -> Result<FlowTransition.Disposition, FlowRunner.RequestError> in
            do throws(FlowRunner.RequestError) {
                return .success(try await runner.send(event))
            } catch {
                return .failure(error)
            }
        }
        return reply(answer.mapError { ControlProblem($0.description) })
    }

    private func reply(_ answer: Result<FlowTransition.Disposition, ControlProblem>) -> [String: Any] {
        let runner = daemon.runner
        let snapshot = runBlocking { await runner.snapshot }
        var reply: [String: Any] = ["class": "flow", "ok": true, "step": snapshot.step.rawValue]
        if let id = snapshot.transactionID { reply["transactionID"] = id }
        switch answer {
        case .success(.applied): reply["applied"] = true
        case .success(.notApplicable(let why)):
            reply["applied"] = false
            reply["reason"] = why
        case .failure(let problem):
            return ["class": "error", "ok": false, "step": snapshot.step.rawValue, "error": problem.description]
        }
        return reply
    }

    /// `{"command":"flow","event":"wait","step":"rating","timeoutMs":10000}`: answers once the flow is at `step`
    /// (at once if it already is), or with an error naming the step it is at when the time is up. `"anyOf":
    /// ["rating","handedOff"]` instead of `step` waits for the first of several.
    private func waitForStep(_ request: [String: Any]) -> [String: Any] {
        let names = (request["anyOf"] as? [String]) ?? [request["step"] as? String].compactMap { $0 }
        let steps = Set(names.compactMap(FlowStepName.init(rawValue:)))
        guard !names.isEmpty, names.count <= FlowStepName.allCases.count, steps.count == Set(names).count else {
            return error(
                "wait needs \"step\" (or \"anyOf\", a list): one of \(FlowStepName.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        let timeoutMs: Int
        do { timeoutMs = try Self.wholeNumber(request, "timeoutMs", in: 1...600_000, default: 10_000) } catch {
            return self.error(error.description)
        }
        let timeout = Duration.milliseconds(timeoutMs)
        let runner = daemon.runner
        let reached = runBlocking { await FlowWaiter.wait(forAnyOf: steps, on: runner, timeout: timeout) }
        let now = runBlocking { await runner.snapshot }
        guard reached else {
            let wanted = names.joined(separator: " or ")
            return [
                "class": "error", "ok": false, "step": now.step.rawValue,
                "error": "the flow did not reach \(wanted) within \(timeout); it is at \(now.step.rawValue)",
            ]
        }
        var reply: [String: Any] = ["class": "flow", "ok": true, "applied": true, "step": now.step.rawValue]
        if let id = now.transactionID ?? now.lastCompletedTransaction { reply["transactionID"] = id }
        if let ticket = now.lastTicket { reply["lastTicket"] = ticket }
        return reply
    }

    /// `{"command":"flow","event":"wait-ui","contains":"identity refused","timeoutMs":10000}`: answers with the first
    /// UI event (its log-safe line, as in status' `recent`) containing the text — a recent one at once — or with an
    /// error when the time is up.
    private func waitForUI(_ request: [String: Any]) -> [String: Any] {
        guard let text = request["contains"] as? String, !text.isEmpty, text.count <= 200 else {
            return error("wait-ui needs \"contains\": 1–200 characters of the UI event's line")
        }
        let timeout = Duration.milliseconds(min(max(request["timeoutMs"] as? Int ?? 10_000, 1), 600_000))
        let runner = daemon.runner
        guard let line = runBlocking({ await FlowWaiter.waitForUI(containing: text, on: runner, timeout: timeout) })
        else {
            let now = runBlocking { await runner.snapshot }
            return [
                "class": "error", "ok": false, "step": now.step.rawValue,
                "error": "no UI event containing '\(text)' within \(timeout); the flow is at \(now.step.rawValue)",
            ]
        }
        return ["class": "flow", "ok": true, "applied": true, "event": line]
    }

    private func staff(_ request: [String: Any]) -> [String: Any] {
        guard let staffID = request["staffID"] as? String, !staffID.isEmpty, staffID.count <= 64 else {
            return error("staff needs \"staffID\" (1–64 characters)")
        }
        guard let text = request["action"] as? String, let action = StaffAction(rawValue: text) else {
            return error("staff needs \"action\": extend-time, authorise-reprint, confirm-licence-printed or hand-off")
        }
        return reply(to: .staffAssist(staffID: staffID, action))
    }

    // MARK: inhibit / release

    /// `{"command":"inhibit","reason":"…"}`: takes the terminal out of service (暂停服务 on screen, no new session)
    /// until `release`; a session already running goes on. Kept across restarts, and audited.
    private func inhibit(_ request: [String: Any], peer: PeerCredentials?) -> [String: Any] {
        guard let reason = request["reason"] as? String,
            !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
            reason.count <= Inhibition.maximumReasonLength
        else {
            return error(
                "inhibit needs \"reason\": 1–\(Inhibition.maximumReasonLength) characters, shown on the screen")
        }
        let by = peer.map { "uid \($0.uid)" } ?? "unknown"
        let inhibition = Inhibition(reason: reason, since: daemon.clock(), by: by)
        do { try daemon.inhibitions.inhibit(inhibition) } catch {
            return self.error("the inhibition could not be written to the state directory: \(error)")
        }
        daemon.logger.notice("ui", "terminal inhibited by \(by): \(reason)")
        audit(action: "inhibit", actor: by, detail: reason)
        daemon.ui?.hub.refresh()
        return ["class": "inhibit", "ok": true, "inhibited": true, "reason": reason]
    }

    private func release(peer: PeerCredentials?) -> [String: Any] {
        let lifted: Inhibition?
        do { lifted = try daemon.inhibitions.release() } catch {
            return self.error("the inhibition could not be removed from the state directory: \(error)")
        }
        let by = peer.map { "uid \($0.uid)" } ?? "unknown"
        if lifted != nil {
            daemon.logger.notice("ui", "terminal released by \(by)")
            audit(action: "release", actor: by, detail: "")
        }
        daemon.ui?.hub.refresh()
        return ["class": "release", "ok": true, "inhibited": false, "wasInhibited": lifted != nil]
    }

    private func audit(action: String, actor: String, detail: String) {
        let now = daemon.clock()
        let lane = daemon.storeLane
        let logger = daemon.logger
        runBlocking {
            do {
                _ = try await lane.run { store in try store.audit(actor: actor, action: action, detail: detail, at: now)
                }
            } catch {
                logger.error("store", "audit of '\(action)' by \(actor) not recorded: \(error)")
            }
        }
    }

    private func logLevel(_ request: [String: Any]) -> [String: Any] {
        guard let name = request["level"] as? String, let level = LogLevel.allCases.first(where: { $0.name == name })
        else {
            return error("log-level needs \"level\": error, warning, notice, info or debug")
        }
        daemon.logger.level = level
        return ["class": "log-level", "ok": true, "level": level.name]
    }

    // MARK: sim

    private func simulate(_ request: [String: Any]) -> [String: Any] {
        guard let simulation = daemon.simulation else { return error("'sim' is only available with --simulate") }
        guard let action = request["action"] as? String else { return error("sim needs \"action\"") }
        switch action {
        case "place-card":
            let name = request["card"] as? String ?? "resident"
            guard let card = SimulationCards.card(named: name) else {
                return error("unknown card '\(name)'; one of \(SimulationCards.names.joined(separator: ", "))")
            }
            simulation.idReader.place(card)
        case "lift-card":
            // With "waitForPoll", answer once the reader has polled the empty reader, so a card placed next is
            // seen as a new presentation (a real hand takes longer than a poll interval).
            let polls = simulation.idReader.count(of: .findCard)
            simulation.idReader.lift()
            if request["waitForPoll"] as? Bool == true,
                !simulation.idReader.waitFor(.findCard, count: polls + 1, deadline: .after(.seconds(5)))
            {
                return error("the reader did not poll the empty reader within 5 s (is the flow reading cards?)")
            }
        case "card-read-failures":
            let count: Int
            do { count = try Self.wholeNumber(request, "count", in: 0...100, default: 1) } catch {
                return self.error(error.description)
            }
            simulation.idReader.updateFaults { $0.failReads = count }
        case "printer-fault":
            guard let roleName = request["role"] as? String,
                let fault = (request["fault"] as? String).flatMap(ESCPOSSimulatorFault.init)
            else {
                return error("printer-fault needs \"role\" (receiptPrinter or ticketDispenser) and \"fault\"")
            }
            let printer = roleName == "ticketDispenser" ? simulation.ticketDispenser : simulation.receiptPrinter
            printer.setFault(fault, request["on"] as? Bool ?? true)
        case "licence-fault":
            guard let cups = simulation.cups else {
                return error("the licence printer is a PDF directory; faults need cupsd")
            }
            guard let fault = (request["fault"] as? String).flatMap(PrivateCUPSFault.init) else {
                return error(
                    "licence-fault needs \"fault\": \(PrivateCUPSFault.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            cups.setFault(fault)
        case "authority":
            guard let mode = (request["mode"] as? String).flatMap(AuthorityConfig.Mode.init),
                [.approve, .reject, .unavailable].contains(mode)
            else {
                return error("authority needs \"mode\": approve, reject or unavailable")
            }
            guard let authority = daemon.embeddedAuthority else {
                let centre = daemon.simulation?.centre.map { " (the central simulator: POST \($0.control)/sim/mode)" }
                return error(
                    "the central registration service approves here\(centre ?? ""); the embedded authority is not in use"
                )
            }
            runBlocking { await authority.setMode(mode) }
        case "wedge":
            // Fault injection for the watchdog: block the flow loop or the store lane for a while.
            guard let part = request["part"] as? String, part == "flow" || part == "store",
                let milliseconds = request["ms"] as? Int, (1...120_000).contains(milliseconds)
            else {
                return error("wedge needs \"part\" (flow or store) and \"ms\" (1–120000)")
            }
            let pause = Duration.milliseconds(milliseconds)
            if part == "store" {
                let lane = daemon.storeLane
                Task { try? await lane.run { _ in Thread.sleep(forTimeInterval: Double(milliseconds) / 1000) } }
            } else {
                let runner = daemon.runner
                Task { await runner.wedge(for: pause) }
            }
        default:
            return error("unknown sim action '\(action)'")
        }
        return ["class": "sim", "ok": true, "action": action]
    }

    // MARK: helpers

    /// `KIOSK-yyyyMMddHHmmss-XXXXXX`: the hall's local time (the configured time zone) and a random suffix.
    static func newTransactionID(kioskID: String, at instant: Date, timeZone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMddHHmmss"
        formatter.timeZone = timeZone
        formatter.locale = Locale(identifier: "en_US_POSIX")
        let suffix = UUID().uuidString.prefix(6)
        return "\(kioskID)-\(formatter.string(from: instant))-\(suffix)"
    }

    struct FormProblem: Error, CustomStringConvertible { let description: String }

    /// A request the control socket refuses, or a flow request that got no answer.
    struct ControlProblem: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// A whole-number request field: `fallback` when absent; anything but a JSON whole number in `range` (a string
    /// such as "100", a fraction, a boolean, 1e30) is refused with the field's name and the range.
    static func wholeNumber(
        _ request: [String: Any], _ field: String, in range: ClosedRange<Int>, default fallback: Int
    )
        throws(FormProblem) -> Int
    {
        guard let raw = request[field], !(raw is NSNull) else { return fallback }
        let expected = "\"\(field)\" must be a whole number in \(range.lowerBound)...\(range.upperBound)"
        guard let number = raw as? NSNumber, String(cString: number.objCType) != "c" else {
            let kind =
                raw is String
                ? "a string" : raw is [Any] ? "an array" : raw is [String: Any] ? "an object" : "a boolean"
            throw FormProblem(description: "\(expected), got \(kind)")
        }
        let double = number.doubleValue
        guard double.rounded() == double, double >= Double(range.lowerBound), double <= Double(range.upperBound)
        else { throw FormProblem(description: "\(expected), got \(number)") }
        return Int(double)
    }

    static func parseForm(_ object: [String: Any]) -> Result<ApplicationForm, FormProblem> {
        func text(_ key: String, limit: Int = 2000) -> String? {
            guard let value = object[key] as? String, value.count <= limit else { return nil }
            return value
        }
        guard let kindName = text("kind"), let kind = EntityKind(rawValue: kindName) else {
            return .failure(FormProblem(description: "form.kind must be company or individualBusiness"))
        }
        for key in ["name", "entityType", "representative", "address", "businessScope", "phone"] where text(key) == nil
        {
            return .failure(FormProblem(description: "form.\(key) must be a string of at most 2000 characters"))
        }
        var capital: Decimal?
        if let number = object["registeredCapitalWan"] as? NSNumber, String(cString: number.objCType) != "c" {
            capital = number.decimalValue
        } else if object["registeredCapitalWan"] != nil && !(object["registeredCapitalWan"] is NSNull) {
            return .failure(FormProblem(description: "form.registeredCapitalWan must be a number (10,000 yuan)"))
        }
        return .success(
            ApplicationForm(
                kind: kind, name: text("name")!, entityType: text("entityType")!,
                representative: PersonalText(text("representative")!, kind: .name), registeredCapitalWan: capital,
                address: PersonalText(text("address")!, kind: .address), businessScope: text("businessScope")!,
                phone: PersonalText(text("phone")!, kind: .phone)))
    }
}
