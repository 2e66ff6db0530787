import Foundation
import KioskCore
import KioskDevices
import KioskSimulators
import Testing

@testable import KioskDaemon

/// The touch UI's pure parts: the screen state's projection and memory, the event parser, the signature rules, and
/// `ui.listen` (docs/ui-api.md).
struct UIScreenStateTests {
    static let card = IDReaderSampleCards.resident
    static let now = Date(timeIntervalSince1970: 1_796_140_000)

    /// A state at `step` whose session holds every personal value the flow can hold.
    static func view(_ step: FlowStepName, resumed: Bool = false, signed: Bool = false, lastTicket: String? = nil)
        -> FlowRunner.UIView
    {
        var session = FlowSession(record: TransactionRecord(id: "K-1", kioskID: "K", startedAt: now))
        session.identity = card
        session.record.applicantName = card.name
        session.record.applicantIDNumber = card.idNumber
        session.resumeStep = resumed ? .fillingForm : nil
        session.signatureSHA256 = signed ? String(repeating: "a", count: 64) : nil
        let state = FlowState(
            step: step, session: step.isTerminal || step == .idle ? nil : session,
            handOffReason: step == .handedOff ? .authorityUnavailable : nil, cancelReason: nil, timerGeneration: 1,
            warned: false, persistFailures: 0, lostDevices: [])
        return FlowRunner.UIView(
            state: state, revision: 2, stepDeadline: now.addingTimeInterval(90), lastTicket: lastTicket,
            lastEnded: FlowRunner.EndedSession(transactionID: "K-1", step: step, reason: "x"), maximumCardAttempts: 3)
    }

    @Test func everyScreen_neverHoldsTheFullIDNumber() {
        for step in FlowStepName.allCases {
            for resumed in [false, true] {
                let state = ScreenProjection.project(
                    Self.view(step, resumed: resumed), memory: UIMemory(), outOfService: nil)
                let json = state.at(Self.now).json()
                #expect(!json.contains(Self.card.idNumber.unmasked), "\(step) resumed \(resumed): \(json)")
                if step == .verifyingIdentity && !resumed {
                    #expect(json.contains(Self.card.idNumber.masked))
                    #expect(state.identity?.name == Self.card.name.unmasked)
                }
                // A session resumed after a restart shows nobody's identity until the card is placed again.
                if resumed { #expect(state.identity == nil) }
            }
        }
    }

    @Test func screen_followsTheStep() {
        func screen(_ step: FlowStepName, signed: Bool = false, outOfService: Bool = false) -> ScreenState.Screen {
            let blocked = outOfService ? ScreenState.OutOfService(reasons: ["inhibited"], message: nil) : nil
            return ScreenProjection.project(Self.view(step, signed: signed), memory: UIMemory(), outOfService: blocked)
                .screen
        }
        #expect(screen(.idle) == .welcome)
        #expect(screen(.idle, outOfService: true) == .outOfService)
        // A session goes on while the terminal is out of service.
        #expect(screen(.fillingForm, outOfService: true) == .form)
        #expect(screen(.awaitingCard) == .placeCard)
        #expect(screen(.verifyingIdentity) == .confirmIdentity)
        #expect(screen(.awaitingSignature) == .signature)
        #expect(screen(.awaitingSignature, signed: true) == .declaration)
        #expect(screen(.licencePrintProblem) == .printing)
        #expect(screen(.persisting) == .pleaseWait)
        #expect(screen(.completed) == .done)
        #expect(screen(.handedOff) == .handOff)
        #expect(screen(.cancelled) == .cancelled)
    }

    @Test func deadline_onlyInCitizenSteps_andCountedDownWhenSent() {
        let form = ScreenProjection.project(Self.view(.fillingForm), memory: UIMemory(), outOfService: nil)
        #expect(form.deadline == Self.now.addingTimeInterval(90))
        #expect(form.at(Self.now.addingTimeInterval(30.2)).secondsLeft == 60)
        #expect(form.at(Self.now.addingTimeInterval(120)).secondsLeft == 0)
        // The countdown alone is no new screen.
        #expect(form.at(Self.now).sameScreen(as: form.at(Self.now.addingTimeInterval(5))))
        let approving = ScreenProjection.project(Self.view(.approving), memory: UIMemory(), outOfService: nil)
        #expect(approving.deadline == nil && approving.at(Self.now).secondsLeft == nil)
    }

    @Test func memory_formIssuesShowInTheFormOnly_andAStaffCallEndsWithAStaffAction() {
        var memory = UIMemory()
        memory.absorb(Self.view(.fillingForm))
        let form = ApplicationForm(
            kind: .company, name: "短", entityType: "有限责任公司", representative: Self.card.name,
            registeredCapitalWan: 10, address: PersonalText("北京市东城区东直门南大街1号", kind: .address),
            businessScope: "软件开发", phone: PersonalText("13800000000", kind: .phone))
        let issues = FormValidator.issues(in: form)
        #expect(issues.map(\.field) == [.name])
        #expect(memory.absorb(.formRejected(issues), at: Self.now) == nil)
        #expect(memory.refusals == 1)
        let shown = ScreenProjection.project(Self.view(.fillingForm), memory: memory, outOfService: nil)
        #expect(shown.formIssues.map(\.field) == ["name"])
        memory.absorb(Self.view(.awaitingSignature))
        #expect(
            ScreenProjection.project(Self.view(.awaitingSignature), memory: memory, outOfService: nil).formIssues
                .isEmpty)

        #expect(memory.absorb(.staffCalled(reason: "paper jam"), at: Self.now) == UINotice(.staffCalled))
        let called = ScreenProjection.project(Self.view(.licencePrintProblem), memory: memory, outOfService: nil)
        #expect(called.staffCall?.by == .flow)
        #expect(memory.staffActed(.authoriseReprint) == UINotice(.staffAction, action: "authorise-reprint"))
        #expect(
            ScreenProjection.project(Self.view(.licencePrintProblem), memory: memory, outOfService: nil).staffCall
                == nil)
    }

    @Test func memory_aRejectionShowsOnTheFormAgain_andANoticeLastsUntilTheStepChanges() {
        var memory = UIMemory()
        memory.absorb(Self.view(.approving))
        _ = memory.absorb(.stepChanged(.fillingForm), at: Self.now)
        _ = memory.absorb(.applicationRejected(reasons: ["名称已被占用 / the name is taken"], attemptsLeft: 1), at: Self.now)
        memory.absorb(Self.view(.fillingForm))
        let form = ScreenProjection.project(Self.view(.fillingForm), memory: memory, outOfService: nil)
        #expect(
            form.applicationRejected
                == ScreenState.ApplicationRejected(reasons: ["名称已被占用 / the name is taken"], attemptsLeft: 1))
        #expect(
            memory.absorb(.deviceProblem(.receiptPrinter), at: Self.now)
                == UINotice(.deviceProblem, role: "receiptPrinter"))
        memory.absorb(Self.view(.fillingForm))
        #expect(memory.notice == UINotice(.deviceProblem, role: "receiptPrinter"))
        memory.absorb(Self.view(.awaitingSignature))
        #expect(memory.notice == nil)
        #expect(
            ScreenProjection.project(Self.view(.awaitingSignature), memory: memory, outOfService: nil)
                .applicationRejected == nil)
        // Another transaction on screen forgets everything of the last one.
        memory.ratedGrade = 1
        var other = Self.view(.awaitingCard)
        other.state.session = FlowSession(record: TransactionRecord(id: "K-2", kioskID: "K", startedAt: Self.now))
        memory.absorb(other)
        #expect(memory.transactionID == "K-2" && memory.ratedGrade == nil)
    }

    @Test func identityRefusals_areToldByTheirCodes() throws {
        let day = try #require(CivilDate(year: 2020, month: 1, day: 1))
        for refusal in [
            IdentityRefusal.expired(on: day), .notYetValid(from: day), .underAge(age: 12, minimum: 18),
            .invalidNumber("bad check digit"),
        ] {
            #expect(UIMemory.refusalCode(refusal.description) == refusal.code)
        }
        var memory = UIMemory()
        memory.absorb(Self.view(.awaitingCard))
        let refused = IdentityRefusal.expired(on: day)
        #expect(
            memory.absorb(.identityRefused(reasons: [refused.description], attemptsLeft: 2), at: Self.now)
                == UINotice(.cardError, reason: "card-expired"))
        let shown = ScreenProjection.project(Self.view(.awaitingCard), memory: memory, outOfService: nil)
        #expect(shown.card.lastError == "card-expired")
    }

    @Test func handOff_showsOnlyATicketIssuedForThisTransaction() {
        var memory = UIMemory()
        memory.absorb(Self.view(.awaitingCard, lastTicket: "A007"))
        let stale = ScreenProjection.project(
            Self.view(.handedOff, lastTicket: "A007"), memory: memory, outOfService: nil)
        #expect(stale.handOff == ScreenState.HandOff(reason: "authority-unavailable", window: "人工窗口", ticket: nil))
        let own = ScreenProjection.project(Self.view(.handedOff, lastTicket: "A008"), memory: memory, outOfService: nil)
        #expect(own.handOff?.ticket == "A008")
    }

    @Test func outOfService_requiredDevicesAndInhibition() {
        let ready = DeviceHealth(.ready)
        let down = DeviceHealth(.disconnected)
        #expect(
            ScreenProjection.outOfService(
                lostDevices: [], health: [.idReader: ready, .licencePrinter: ready], inhibition: nil) == nil)
        // Still starting is not down; the receipt printer is not required.
        #expect(
            ScreenProjection.outOfService(
                lostDevices: [.receiptPrinter], health: [.idReader: DeviceHealth(.starting), .licencePrinter: ready],
                inhibition: nil) == nil)
        let inhibition = Inhibition(reason: "维护", since: Self.now, by: "uid 0")
        #expect(
            ScreenProjection.outOfService(
                lostDevices: [.licencePrinter], health: [.idReader: down, .licencePrinter: ready],
                inhibition: inhibition)
                == ScreenState.OutOfService(
                    reasons: ["device:idReader", "device:licencePrinter", "inhibited"], message: "维护"))
    }

    // MARK: Events

    private func parse(_ json: String) -> Result<UIEventRequest, UIEventProblem> {
        UIEventRequest.parse(Array(json.utf8))
    }

    private func problemField(_ json: String) -> String? {
        if case .failure(let problem) = parse(json) { return problem.field ?? "<body>" }
        return nil
    }

    @Test func events_parseToTheirTypes() throws {
        #expect(try parse(#"{"event":"start"}"#).get() == .start(elderly: false))
        #expect(try parse(#"{"event":"start","elderly":true}"#).get() == .start(elderly: true))
        for name in ["confirmIdentity", "skipRating", "cancel", "requestHandOff", "stillHere", "callStaff"] {
            #expect((try? parse("{\"event\":\"\(name)\"}").get()) != nil, "\(name)")
        }
        #expect(
            try parse(#"{"event":"confirm","declarationAccepted":true}"#).get() == .confirm(declarationAccepted: true))
        let form = try parse(
            #"{"event":"submitForm","form":{"kind":"company","name":"北京某某科技有限公司","entityType":"有限责任公司","#
                + #""representative":"张三丰","registeredCapitalWan":10.5,"address":"北京市东城区","businessScope":"软件","#
                + #""phone":"13800000000"}}"#
        ).get()
        guard case .submitForm(let fields) = form else { Issue.record("not a form: \(form)"); return }
        #expect(fields.registeredCapitalWan == Decimal(string: "10.5"))
        #expect(UIEventMapping.form(fields).representative.unmasked == "张三丰")
        let rate = try parse(
            #"{"event":"rate","grade":2,"reasons":["attitude","other","attitude"],"followUpConsent":true}"#
        ).get()
        #expect(
            rate == .rate(UIRating(grade: 2, reasons: [.attitude, .other], reasonsGiven: true, followUpConsent: true)))
    }

    @Test func malformedEvents_nameTheField() {
        #expect(problemField("not json") == "<body>")
        #expect(problemField("[1]") == "<body>")
        #expect(problemField(#"{"elderly":true}"#) == "event")
        #expect(problemField(#"{"event":"fly"}"#) == "event")
        #expect(problemField(#"{"event":"start","elderly":1}"#) == "elderly")
        #expect(problemField(#"{"event":"start","colour":"red"}"#) == "colour")
        // Found by scripts/fuzz/ui_event.swift: an unknown key is named short and never as an empty path.
        #expect(problemField(#"{"event":"start","":1}"#) == "\"\"")
        #expect(
            problemField("{\"event\":\"start\",\"" + String(repeating: "Q", count: 300) + "\":1}") == String(
                repeating: "Q", count: 40) + "…")
        #expect(problemField(#"{"event":"confirm"}"#) == "declarationAccepted")
        #expect(problemField(#"{"event":"rate","grade":6}"#) == "grade")
        #expect(problemField(#"{"event":"rate","grade":2.5}"#) == "grade")
        #expect(problemField(#"{"event":"rate","grade":true}"#) == "grade")
        #expect(problemField(#"{"event":"rate","grade":1,"reasons":["attitude","rude"]}"#) == "reasons[1]")
        #expect(problemField(#"{"event":"submitForm","form":{"kind":"company"}}"#) == "form.name")
        #expect(problemField(#"{"event":"submitForm","form":{"kind":"shop"}}"#) == "form.kind")
        #expect(problemField(#"{"event":"sign","image":"x","ink":{"points":"many"}}"#) == "ink.points")
        #expect(
            problemField(
                #"{"event":"sign","image":"x","ink":{"points":30,"boundsWidth":1,"boundsHeight":1,"canvasWidth":0,"canvasHeight":1}}"#
            ) == "ink.canvasWidth")
        #expect(problemField("{\"event\":\"start\",\"x\":" + String(repeating: "[", count: 20) + "}") == "<body>")
    }

    // MARK: Signature and rating rules

    static let ink = UIInk(points: 40, boundsWidth: 400, boundsHeight: 100, canvasWidth: 800, canvasHeight: 300)

    private func refusalCode(_ url: String, _ ink: UIInk = UIScreenStateTests.ink) -> String? {
        switch SignatureCheck.check(UISignature(dataURL: url, ink: ink)) {
        case .success: nil
        case .failure(.refused(let issue)): issue.code
        case .failure(.malformed(let problem)): "malformed \(problem.field ?? "")"
        }
    }

    @Test func signature_mustBeAPNGOfAtMost256KiBWithRealInk() throws {
        let png = SignatureImage.dataURL
        #expect(refusalCode(png) == nil)
        #expect(refusalCode(png.replacingOccurrences(of: "image/png", with: "image/jpeg")) == "not-png")
        #expect(
            refusalCode(
                "data:image/png;base64," + Data("GIF89a, not a PNG at all, really not".utf8).base64EncodedString())
                == "not-png")
        #expect(refusalCode("data:image/png;base64,@@@") == "malformed image")
        let big = [UInt8](repeating: 0, count: 256 * 1024 + 1)
        #expect(refusalCode("data:image/png;base64," + Data(big).base64EncodedString()) == "too-large")
        var ink = Self.ink
        ink.points = 19
        #expect(refusalCode(png, ink) == "too-few-points")
        ink = Self.ink
        ink.boundsWidth = 119
        #expect(refusalCode(png, ink) == "too-narrow")
        ink = Self.ink
        ink.boundsHeight = 14
        #expect(refusalCode(png, ink) == "too-flat")
        guard case .success(let bytes) = SignatureCheck.check(UISignature(dataURL: png, ink: Self.ink)) else { return }
        #expect(UIEventMapping.sign(png: bytes) == .sign(signatureSHA256: SHA256.hex(of: bytes)))
    }

    @Test func rating_reasonsAndConsentBelongToLowGrades() {
        #expect(
            RatingCheck.issues(UIRating(grade: 1, reasons: [.deviceFault], reasonsGiven: true, followUpConsent: true))
                .isEmpty)
        #expect(RatingCheck.issues(UIRating(grade: 3, reasons: [], reasonsGiven: true, followUpConsent: false)).isEmpty)
        #expect(
            RatingCheck.issues(UIRating(grade: 4, reasons: [.other], reasonsGiven: true, followUpConsent: true)).map(
                \.field) == ["reasons", "followUpConsent"])
        #expect(
            UIEventMapping.rate(UIRating(grade: 5, reasons: [], reasonsGiven: false, followUpConsent: nil))
                == .rate(.good))
        #expect(
            UIEventMapping.rate(UIRating(grade: 3, reasons: [], reasonsGiven: false, followUpConsent: nil))
                == .rate(.average))
        #expect(
            UIEventMapping.rate(UIRating(grade: 2, reasons: [], reasonsGiven: false, followUpConsent: nil))
                == .rate(.bad))
    }

    // MARK: ui.listen

    private func config(_ ui: String) throws(ConfigError) -> DaemonConfig {
        try DaemonConfig.parse(Data(("{\"kioskID\":\"K\",\"ui\":" + ui + "}").utf8), file: "k.json")
    }

    @Test func uiListen_isLoopbackOnly() throws {
        let plain = try DaemonConfig.parse(Data(#"{"kioskID":"K"}"#.utf8), file: "k.json")
        #expect(plain.ui.listen == UIConfig.Listen(host: "127.0.0.1", port: 8080))
        #expect(!plain.ui.listenIsExplicit)
        #expect(try config(#"{"listen":"off"}"#).ui.listen == nil)
        #expect(try config(#"{"listen":"localhost:9000"}"#).ui.listen == UIConfig.Listen(host: "127.0.0.1", port: 9000))
        #expect(try config(#"{"listen":"127.0.0.2:0"}"#).ui.listen == UIConfig.Listen(host: "127.0.0.2", port: 0))
        #expect(try config(#"{"heartbeatMs":200}"#).ui.heartbeat == .milliseconds(200))
        for refused in [#"{"listen":"0.0.0.0:8080"}"#, #"{"listen":"192.168.1.5:8080"}"#, #"{"listen":"8080"}"#] {
            #expect(throws: ConfigError.self) { try config(refused) }
            do { _ = try config(refused) } catch { #expect(error.keyPath == "ui.listen", "\(refused)") }
        }
        do { _ = try config(#"{"listen":"127.0.0.1:1","colour":1}"#) } catch { #expect(error.keyPath == "ui.colour") }
    }
}
