import Foundation
import KioskControl
import KioskCore
import KioskDevices
import KioskIO
import KioskSimulators
import KioskStore

/// The commands of the control sockets (docs/control-protocol.md). `kioskd.sock` answers read-only ones (`status`,
/// `devices`, `history`, `outbox`, `monitor`); `admin.sock` adds the `flow` command set that a touch UI, a scripted citizen or a
/// test uses to inject UI events, staff assists (`staff`), the log level, inhibitions, and in simulate mode the
/// simulators' controls (`sim`), and `debug-info`. Requests arrive decoded and validated (`ControlRequest`); replies are typed.
struct ControlCommands: Sendable {
    typealias Reply = any Encodable & Sendable
    let daemon: Daemon
    /// Inhibitions that end with the connection that made them (`kioskctl inhibit` without `--until-released`).
    let holds = InhibitionHolds()

    func handle(_ request: ControlRequest, peer: ControlPeer) -> Reply {
        if request.needsAdmin {
            guard peer.admin else {
                return ErrorReply("'\(request.command)' is only available on admin.sock", denied: true)
            }
            daemon.logger.debug("control", "admin \(request.command) from \(peer.description)")
        }
        switch request {
        case .ping: return PongReply()
        case .status: return status()
        case .devices(let role): return devices(role: role)
        case .history(let since, let limit): return history(since: since, limit: limit)
        case .outbox: return outbox()
        case .flow(let event, let fields): return flow(event: event, Self.foundation(fields))
        case .staff(let staffID, let action): return staff(staffID: staffID, action: action)
        case .sim(FaceSimulation.action, let fields): return simulateFace(fields)
        case .sim(let action, let fields): return simulate(action: action, Self.foundation(fields))
        case .inhibit(let reason, let hold): return inhibit(reason: reason, hold: hold, peer: peer)
        case .release: return release(peer: peer)
        case .logLevel(let level): return logLevel(level)
        case .debugInfo: return DebugInfo(daemon: daemon).reply()
        case .selftest(let targets, let print): return selftest(targets: targets, print: print, peer: peer)
        case .monitor: return ErrorReply("monitor is not served on this socket")
        case .capture(let role, let seconds, let personal):
            return capture(role: role, seconds: seconds, includePersonalData: personal, peer: peer)
        }
    }

    /// The connection `peer` closed: an inhibition it held ends with it.
    func closed(_ peer: ControlPeer) {
        guard holds.end(connection: peer.connection) else { return }
        _ = release(peer: peer, because: "the kioskctl that held it ended")
    }

    func error(_ message: String, field: String? = nil) -> ErrorReply { ErrorReply(message, field: field) }

    /// The flow's and the simulators' own parsers read Foundation objects (shared with the touch UI's requests).
    static func foundation(_ fields: [String: ControlJSON]) -> [String: Any] { fields.mapValues(\.foundationObject) }

    // MARK: flow

    private func flow(event name: String, _ request: [String: Any]) -> Reply {
        let event: FlowEvent
        switch name {
        case "start":
            let id = Self.newTransactionID(
                kioskID: daemon.config.kioskID, at: daemon.clock(), timeZone: daemon.config.flow.timeZone)
            guard request["elderly"] == nil || request["elderly"] is Bool else {
                return error("field 'elderly' must be true or false", field: "elderly")
            }
            event = .start(
                transactionID: id, kioskID: daemon.config.kioskID, elderly: request["elderly"] as? Bool ?? false)
        case "citizen-active": event = .citizenActive
        case "confirm-identity": event = .confirmIdentity
        case "capture-face": event = .captureFace
        case "submit-form":
            guard let form = request["form"] as? [String: Any] else {
                return error("field 'form' must be an object (submit-form)", field: "form")
            }
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
                "unknown flow event '\(name)'; one of start, citizen-active, confirm-identity, capture-face, submit-form, sign, confirm, rate, skip-rating, cancel, request-hand-off, call-staff"
            )
        }
        return reply(to: event)
    }

    /// `sign` with a base64 PNG: the same path as the touch screen's (`FlowRunner.sign(png:)`).
    private func sign(png: [UInt8]) -> Reply {
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

    func reply(to event: FlowEvent) -> Reply {
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

    private func reply(_ answer: Result<FlowTransition.Disposition, ControlProblem>) -> Reply {
        let runner = daemon.runner
        let snapshot = runBlocking { await runner.snapshot }
        let step = snapshot.step.rawValue
        switch answer {
        case .success(.applied): return FlowReply(step: step, transactionID: snapshot.transactionID, applied: true)
        case .success(.notApplicable(let why)):
            return FlowReply(step: step, transactionID: snapshot.transactionID, applied: false, reason: why)
        case .failure(let problem): return ErrorReply(problem.description, step: step)
        }
    }

    /// `{"command":"flow","event":"wait","step":"rating","timeoutMs":10000}`: answers once the flow is at `step`
    /// (at once if it already is), or with an error naming the step it is at when the time is up. `"anyOf":
    /// ["rating","handedOff"]` instead of `step` waits for the first of several.
    private func waitForStep(_ request: [String: Any]) -> Reply {
        let names = (request["anyOf"] as? [String]) ?? [request["step"] as? String].compactMap { $0 }
        let steps = Set(names.compactMap(FlowStepName.init(rawValue:)))
        guard !names.isEmpty, names.count <= FlowStepName.allCases.count, steps.count == Set(names).count else {
            return error(
                "field 'step' (or 'anyOf', a list) must be one of \(FlowStepName.allCases.map(\.rawValue).joined(separator: ", "))"
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
            return ErrorReply(
                "the flow did not reach \(wanted) within \(timeout); it is at \(now.step.rawValue)",
                step: now.step.rawValue)
        }
        return FlowReply(
            step: now.step.rawValue, transactionID: now.transactionID ?? now.lastCompletedTransaction, applied: true,
            lastTicket: now.lastTicket)
    }

    /// `{"command":"flow","event":"wait-ui","contains":"identity refused","timeoutMs":10000}`: answers with the first
    /// UI event (its log-safe line, as in status' `recent`) containing the text — a recent one at once — or with an
    /// error when the time is up.
    private func waitForUI(_ request: [String: Any]) -> Reply {
        guard let text = request["contains"] as? String, !text.isEmpty, text.count <= 200 else {
            return error("field 'contains' must be 1–200 characters of the UI event's line", field: "contains")
        }
        let timeout = Duration.milliseconds(min(max(request["timeoutMs"] as? Int ?? 10_000, 1), 600_000))
        let runner = daemon.runner
        guard let line = runBlocking({ await FlowWaiter.waitForUI(containing: text, on: runner, timeout: timeout) })
        else {
            let now = runBlocking { await runner.snapshot }
            return ErrorReply(
                "no UI event containing '\(text)' within \(timeout); the flow is at \(now.step.rawValue)",
                step: now.step.rawValue)
        }
        return FlowReply(step: nil, applied: true, event: line)
    }

    // MARK: sim

    private func simulate(action: String, _ request: [String: Any]) -> Reply {
        guard let simulation = daemon.simulation else { return error("'sim' is only available with --simulate") }
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
        case "camera":
            guard let camera = simulation.camera else {
                return error("the simulated terminal has no camera (no images; see simulation.cameraDirectory)")
            }
            guard let fault = (request["fault"] as? String).flatMap(SimulatedCamera.Fault.init) else {
                let faults = SimulatedCamera.Fault.allCases.map(\.rawValue).joined(separator: ", ")
                return error("camera needs \"fault\": \(faults)")
            }
            camera.setFault(fault)
            // As the hotplug monitor would after a plug event: the driver looks at the camera again now.
            if let driver = daemon.terminal.camera { Task { await driver.reopenNow() } }
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
        return SimReply(action: action)
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
