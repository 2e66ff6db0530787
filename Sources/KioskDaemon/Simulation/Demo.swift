import Foundation
import KioskCore
import KioskSimulators

/// `kioskd --simulate --demo`: one scripted citizen walks through the four steps on the simulated terminal, through
/// the same paths a touch UI and a real card would take, and the demo says where each printout ended up.
struct Demo {
    let daemon: Daemon
    let simulation: SimulatedTerminal

    func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    /// Returns whether the citizen got their licence.
    func run() async -> Bool {
        let runner = daemon.runner
        let updates = await runner.watch()
        let narration = await runner.watch()
        let narrator = Task {
            for await event in narration {
                if case .stepChanged(let step) = event { say("         … \(step.rawValue)") }
            }
        }
        defer { narrator.cancel() }
        say("demo: a citizen walks up to kiosk \(daemon.config.kioskID)")
        if let centre = simulation.centre {
            // Pushed first, pulled after, so the demo shows both ways in.
            try? centre.setMode(["pull": "paused"])
            say(
                "centre: the simulated central server is at \(centre.url) (push, registration and identity checks; it pulls from kioskd)"
            )
        }
        guard
            await send(
                .start(
                    transactionID: ControlCommands.newTransactionID(
                        kioskID: daemon.config.kioskID, at: daemon.clock(), timeZone: daemon.config.flow.timeZone),
                    kioskID: daemon.config.kioskID), "touches 开始办理 (start)")
        else { return false }
        say("step 1 身份证比对: places a resident ID card on the reader (\(simulation.idReader.devicePath))")
        simulation.idReader.place(.resident)
        let card = IDReaderSampleCards.resident
        if daemon.config.flow.faceVerification == .required {
            guard await waitFor(.capturingFace, updates: updates) else { return false }
            say("         card read over GA 467: \(card.name) \(card.idNumber) (masked)")
            guard await compareFace(updates: updates) else { return false }
        } else {
            guard await waitFor(.verifyingIdentity, updates: updates) else { return false }
            say("         card read over GA 467: \(card.name) \(card.idNumber) (masked)")
            guard await send(.confirmIdentity, "confirms it is them") else { return false }
        }
        simulation.idReader.lift()
        let form = ApplicationForm(
            kind: .company, name: "北京自助示范科技有限公司", entityType: "有限责任公司（自然人独资）",
            representative: card.name, registeredCapitalWan: 100,
            address: PersonalText("北京市东城区景山前街4号", kind: .address),
            businessScope: "技术开发、技术咨询、技术服务；软件开发；销售电子产品。", phone: PersonalText("13812345678", kind: .phone))
        guard await send(.submitForm(form), "step 2 填报信息: fills in the form for \(form.name)") else { return false }
        guard
            await send(
                .sign(signatureSHA256: SHA256.hex(of: Array("demo signature strokes".utf8))),
                "step 3 签字确认: signs on the pad")
        else { return false }
        guard await send(.confirm(declarationAccepted: true), "         accepts the declaration and confirms") else {
            return false
        }
        say(
            "step 4 执照打印: the authority approves; the licence prints on \(daemon.terminal.endpoints[.licencePrinter] ?? "?")"
        )
        guard await waitFor(.rating, updates: updates) else { return false }
        guard await send(.rate(ServiceRating(grade: .verySatisfied)), "rates the service 非常满意 (grade 5)") else {
            return false
        }
        guard await waitFor(.completed, updates: updates) else { return false }
        let snapshot = await runner.snapshot
        let id = snapshot.lastCompletedTransaction ?? "?"
        say("done: transaction \(id) is stored in \(daemon.store.path)")
        if let centre = simulation.centre, !(await showArrival(of: id, at: centre)) { return false }
        let printouts = simulation.writePrintouts()
        if let cups = simulation.cups {
            say(
                "licence: printed through the private cupsd queue '\(cups.queue)' to ippeveprinter; what it received is copied to \(simulation.licenceDirectory.path)"
            )
        } else {
            say(
                "licence: \(simulation.licenceDirectory.path) (PDF; cupsd is not installed, so the printer is a directory)"
            )
        }
        for role in DeviceRole.allCases {
            say(
                "device \(role.rawValue): \(daemon.terminal.health(of: role)) — \(daemon.terminal.endpoints[role] ?? "not configured")"
            )
        }
        say("receipt: \(printouts.receipts.path)")
        say("tickets: \(printouts.tickets.path) (none for a completed transaction)")
        if let receipt = simulation.receiptPrinter.documents.last {
            say("receipt as printed:\n\(receipt.text)")
        }
        say(
            daemon.options.exitAfterDemo
                ? "demo finished; kioskd stops" : "demo finished; kioskd keeps running (Ctrl-C to stop)")
        return true
    }

    /// The face step: the first attempt does not match (the centre is told to say so), the second does.
    private func compareFace(updates: AsyncStream<UIEvent>) async -> Bool {
        say(
            "         the camera streams the live preview (\(daemon.terminal.endpoints[.camera] ?? "camera"), "
                + "GET /ui/v1/camera on the touch UI)")
        try? simulation.centre?.setMode(["identityScript": ["no-match", "match"]])
        guard await send(.captureFace, "looks at the camera and touches 开始比对 (compare)") else { return false }
        guard await waitForMismatch(updates: updates) else { return false }
        say("         the centre's identity service: no match (score 0.12); 2 attempts left, the citizen tries again")
        guard await send(.captureFace, "touches 开始比对 again") else { return false }
        guard await waitFor(.fillingForm, updates: updates) else { return false }
        say("         the centre's identity service: match (score 0.93); only the decision goes into the record")
        return true
    }

    /// Waits (at most 30 s each) for the centre to have the transaction by push, then lets it pull and waits for
    /// that too; says how the centre counts it.
    private func showArrival(of id: String, at centre: SimulatedCentre) async -> Bool {
        func event() -> [String: Any]? {
            let events = (try? centre.received())?["events"] as? [[String: Any]] ?? []
            return events.first { $0["id"] as? String == id }
        }
        func waitFor(_ condition: ([String: Any]) -> Bool) async -> [String: Any]? {
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                if let event = event(), condition(event) { return event }
                try? await Task.sleep(for: .milliseconds(100))
            }
            return nil
        }
        guard await waitFor({ ($0["pushed"] as? Int ?? 0) >= 1 }) != nil else {
            say("demo: the transaction did not arrive at the simulated centre by push")
            return false
        }
        say("centre: transaction \(id) arrived at the simulated centre by push (POST /v1/events over TLS, pinned)")
        try? centre.setMode(["pull": "running"])
        guard await waitFor({ ($0["pulled"] as? Int ?? 0) >= 1 }) != nil,
            let summary = try? centre.received()
        else {
            say("demo: the simulated centre did not pull the transaction from kioskd")
            return false
        }
        let unique = summary["unique"] as? Int ?? -1
        say(
            "centre: and pulled from kioskd's pull API (GET /v1/transactions, acknowledged); the centre counts it "
                + (unique == 1 ? "exactly once" : "\(unique) times") + " (\(unique) distinct transaction)")
        return unique == 1
    }

    private func send(_ event: FlowEvent, _ what: String) async -> Bool {
        say("         \(what)")
        do {
            if case .notApplicable(let why) = try await daemon.runner.send(event) {
                say("demo: stopped: '\(event.name)' did not apply (\(why))")
                return false
            }
            return true
        } catch {
            say("demo: stopped: '\(event.name)' got no answer (\(error))")
            return false
        }
    }

    /// Waits (at most two minutes) for the centre's "no match" to reach the screen.
    private func waitForMismatch(updates: AsyncStream<UIEvent>) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(120)
        for await event in updates {
            if case .faceMismatch = event { return true }
            if case .stepChanged(let now) = event, now == .handedOff || now == .rating {
                say("demo: the flow went to \(now.rawValue) instead of asking for another attempt")
                return false
            }
            if ContinuousClock.now > deadline { break }
        }
        say("demo: gave up waiting for the centre's answer")
        return false
    }

    /// Waits (at most two minutes) until the flow reaches `step`, reporting what the UI is told meanwhile.
    private func waitFor(_ step: FlowStepName, updates: AsyncStream<UIEvent>) async -> Bool {
        if await daemon.runner.snapshot.step == step { return true }
        let deadline = ContinuousClock.now + .seconds(120)
        for await event in updates {
            if case .stepChanged(let now) = event {
                if now == step { return true }
                if now == .handedOff || now == .cancelled {
                    say("demo: the flow ended at \(now.rawValue)"); return false
                }
            }
            if ContinuousClock.now > deadline { break }
        }
        say("demo: gave up waiting for \(step.rawValue)")
        return false
    }
}
