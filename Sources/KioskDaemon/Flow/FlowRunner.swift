import Foundation
import KioskControl
import KioskCore
import KioskDevices
import KioskDocuments
import KioskIO
import KioskStore

/// Feeds device, UI and timer events into the pure `LicenceFlow` one at a time and carries out its effects through
/// the devices, the store and the registration authority (docs/ARCHITECTURE.md §5.6). The only place the flow meets the
/// world.
///
/// Events are processed strictly in order by `run()`. Quick effects (checkpoint, store writes, timers, reader on/off)
/// are done before the next event; slow ones (approval, printing, dispensing) run as tasks that answer with events.
public actor FlowRunner {
    public struct Dependencies: Sendable {
        /// Every store call goes through the lane: no commit blocks this actor.
        public var store: StoreLane
        public var terminal: Terminal
        public var authority: any RegistrationAuthority
        public var logger: Logger
        public var kioskID: String
        /// Renders the licence original (A3) as PDF bytes.
        public var renderLicence: @Sendable (BusinessLicence) throws -> [UInt8]
        public var queueNumbering: QueueNumbering
        /// The receipt's QR code: this base followed by the transaction id.
        public var receiptQRURLBase: String
        /// How long a licence print (or its supervision after a restart) may take before its outcome is unknown.
        public var licencePrintDeadline: Duration
        public var clock: @Sendable () -> Date
        /// Told the time spent in each step as the flow leaves it (`kioskd_flow_step_seconds`).
        public var stepObserver: (any FlowStepObserver)?
        /// Where prints and their outcomes go for `monitor` (nil: nowhere).
        public var events: EventHub?
        /// The camera and the identity service of the face comparison (nil: none set up; FaceCheck.swift).
        var faceCheck: FaceCheck?

        public init(
            store: StoreLane, terminal: Terminal, authority: any RegistrationAuthority, logger: Logger,
            kioskID: String, renderLicence: @escaping @Sendable (BusinessLicence) throws -> [UInt8],
            queueNumbering: QueueNumbering, receiptQRURLBase: String, licencePrintDeadline: Duration,
            clock: @escaping @Sendable () -> Date = { Date() }, stepObserver: (any FlowStepObserver)? = nil
        ) {
            self.stepObserver = stepObserver
            self.store = store
            self.terminal = terminal
            self.authority = authority
            self.logger = logger
            self.kioskID = kioskID
            self.renderLicence = renderLicence
            self.queueNumbering = queueNumbering
            self.receiptQRURLBase = receiptQRURLBase
            self.licencePrintDeadline = licencePrintDeadline
            self.clock = clock
        }
    }

    /// What `status` shows of the flow: never personal data.
    public struct Snapshot: Sendable, Codable {
        public var step: FlowStepName
        public var transactionID: String?
        public var since: Date
        public var lostDevices: [DeviceRole]
        public var handOffReason: HandOffReason?
        public var cancelReason: CancelReason?
        public var lastUIEvents: [String]
        public var eventsProcessed: Int
        public var eventsNotApplicable: Int
        public var lastTicket: String?
        public var lastCompletedTransaction: String?
        /// The last session that ended, how and why (codes only).
        public var lastEnded: EndedSession?
        /// Staff have been called and have not acted yet.
        public var staffCall: StaffCall?
        /// The session is in 适老模式 (its citizen timeouts doubled).
        public var elderly: Bool
    }

    public struct EndedSession: Sendable, Codable {
        public var transactionID: String
        public var step: FlowStepName
        public var reason: String
    }

    /// Why a request to the flow got no disposition.
    public enum RequestError: Error, Sendable, Hashable, CustomStringConvertible {
        case stopping
        case timedOut(Duration)

        public var description: String {
            switch self {
            case .stopping: "kioskd is stopping; the event was not handled"
            case .timedOut(let limit): "the flow did not answer within \(limit)"
            }
        }
    }

    typealias Reply = ReplySlot<Result<FlowTransition.Disposition, RequestError>>

    private enum Envelope: Sendable {
        case event(FlowEvent, Reply?)
        /// The watchdog's liveness probe: answered when the loop reaches it.
        case probe(ReplySlot<Bool>)
        case wedge(Duration)
    }

    public let flow: LicenceFlow
    let deps: Dependencies
    private var state = FlowState.idle
    private var since: Date
    private let events: AsyncStream<Envelope>
    private let input: AsyncStream<Envelope>.Continuation
    private var timer: Task<Void, Never>?
    private var tasks: [UUID: Task<Void, Never>] = [:]
    private var recentUI: [String] = []
    private var processed = 0
    private var notApplicable = 0
    private var issuedTicket: String?
    private var lastTicket: String?
    private var lastCompleted: String?
    private var lastEnded: EndedSession?
    private var watchers: [UUID: AsyncStream<UIEvent>.Continuation] = [:]
    private var licencePrintsInFlight = 0
    private var stopped = false
    /// The touch UI's view (see its MARK section).
    private var uiRevision = 0
    private var uiTimerEnds: Date?
    private var uiFeeds: [UUID: AsyncStream<UIFeedItem>.Continuation] = [:]
    /// Requests whose events are queued or being handled, so a stop can answer every one of them.
    private var waiting: [ObjectIdentifier: Reply] = [:]

    public init(flow: LicenceFlow, dependencies: Dependencies) {
        self.flow = flow
        deps = dependencies
        since = dependencies.clock()
        (events, input) = AsyncStream.makeStream(of: Envelope.self, bufferingPolicy: .unbounded)
    }

    // MARK: Feeding events

    /// Feeds `event` and waits until it has been handled; answers whether it applied, or why it got no answer: kioskd
    /// is stopping, or the flow did not get to it within `deadline`.
    public func send(_ event: FlowEvent, deadline: Duration = .seconds(15)) async throws(RequestError)
        -> FlowTransition.Disposition
    {
        let reply = Reply()
        guard !stopped, case .enqueued = input.yield(.event(event, reply)) else { throw .stopping }
        waiting[ObjectIdentifier(reply)] = reply
        let timer = Task {
            try? await Task.sleep(for: deadline)
            reply.answer(.failure(.timedOut(deadline)))
        }
        let result = await reply.value()
        timer.cancel()
        waiting[ObjectIdentifier(reply)] = nil
        return try result.get()
    }

    /// Whether the event loop gets to a probe within `timeout` (the watchdog's liveness check).
    public nonisolated func answersProbe(within timeout: Duration) async -> Bool {
        let reply = ReplySlot<Bool>()
        guard case .enqueued = input.yield(.probe(reply)) else { return false }
        return await firstAnswer(within: timeout) { await reply.value() } ?? false
    }

    /// Feeds `event` without waiting (device pumps, timers, finished tasks).
    public nonisolated func post(_ event: FlowEvent) { input.yield(.event(event, nil)) }

    /// Why a signature image was not taken (`sign(png:)`).
    public enum SignError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Empty, not a PNG, or above 256 KiB.
        case refused(SignatureImage.Refusal)
        /// The store could not keep the image with the session (nothing was sent to the flow).
        case notKept(String)
        case request(RequestError)

        public var description: String {
            switch self {
            case .refused(let why): why.description
            case .notKept(let why): "the signature image could not be kept: \(why)"
            case .request(let problem): problem.description
            }
        }
    }

    /// The touch screen's signature: checks the PNG, keeps it durably with the in-flight session (then with its
    /// transaction record, for the registration authority and the centre) and sends `.sign` with its SHA-256. An image
    /// the flow does not take is discarded again. The image is never logged.
    public func sign(png: [UInt8], deadline: Duration = .seconds(15)) async throws(SignError)
        -> FlowTransition.Disposition
    {
        let image: SignatureImage
        do { image = try SignatureImage(png: png) } catch { throw .refused(error) }
        guard state.step == .awaitingSignature, let id = state.session?.transactionID else {
            return .notApplicable("no signature is expected")
        }
        do {
            try await deps.store.run { try $0.saveSignatureImage(image, sessionID: id) }
        } catch {
            throw .notKept("\(error)")
        }
        let disposition: FlowTransition.Disposition
        do {
            disposition = try await send(.sign(signatureSHA256: image.sha256), deadline: deadline)
        } catch {
            throw .request(error)
        }
        if case .notApplicable = disposition, state.session?.signatureSHA256 != image.sha256 {
            // Not fatal: the image goes with the checkpoint row when the session ends.
            do {
                _ = try await deps.store.run { try $0.discardSignatureImage(sessionID: id, sha256: image.sha256) }
            } catch {
                deps.logger.warning(
                    "store", "a refused signature image of \(id) stays until the session ends: \(error)")
            }
        }
        return disposition
    }

    /// Records a device's health and tells the flow when the device became unusable, or usable again.
    public nonisolated func report(_ role: DeviceRole, _ health: DeviceHealth) {
        let change = deps.terminal.update(role, health)
        if change.lost { post(.deviceLost(role)) }
        if change.restored { post(.deviceRestored(role)) }
    }

    /// UI events as they happen (for `monitor` on the control socket and the demo).
    public func watch() -> AsyncStream<UIEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: UIEvent.self, bufferingPolicy: .bufferingNewest(64))
        let id = UUID()
        watchers[id] = continuation
        continuation.onTermination = { [weak self] _ in Task { await self?.unwatch(id) } }
        return stream
    }

    private func unwatch(_ id: UUID) { watchers[id] = nil }

    /// Simulation only (`sim wedge`): keeps the event loop from getting to anything else for `pause`, as a stuck
    /// effect would, so the watchdog's liveness probe can be tested.
    public nonisolated func wedge(for pause: Duration) async {
        input.yield(.wedge(pause))
    }

    public var snapshot: Snapshot {
        Snapshot(
            step: state.step, transactionID: state.session?.transactionID, since: since,
            lostDevices: state.lostDevices.sorted { $0.rawValue < $1.rawValue }, handOffReason: state.handOffReason,
            cancelReason: state.cancelReason, lastUIEvents: recentUI, eventsProcessed: processed,
            eventsNotApplicable: notApplicable, lastTicket: lastTicket, lastCompletedTransaction: lastCompleted,
            lastEnded: lastEnded, staffCall: state.staffCall, elderly: state.session?.elderly ?? false)
    }

    /// Whether a licence is being sent or supervised now (shutdown waits for it).
    public var isPrintingLicence: Bool { licencePrintsInFlight > 0 }

    /// Whether an ended session is still waiting for its record to be durable (shutdown waits for it too).
    public var isEndingSession: Bool { state.step == .persisting }

    /// Requests sent and not yet answered.
    var waitingRequests: Int { waiting.count }

    /// What a stop waits for: a licence print, or an ended session's record.
    public var isBusyEnding: Bool { isPrintingLicence || isEndingSession }

    // MARK: The touch UI's view (docs/ui-api.md)
    // Read-only: the touch UI projects its screen state from this. The hooks into the rest of the runner are one line
    // each (uiTransitionBegins/Ends in apply, uiTimerStarted in execute, uiFeed in broadcast, uiFeedsFinish in stop).

    /// What the touch UI's screen is projected from: the flow state and what only the runner knows.
    public struct UIView: Sendable {
        public var state: FlowState
        /// Odd while a transition's effects are being carried out, even once they are all done; a larger one is
        /// newer.
        public var revision: Int
        /// When the current citizen step times out (its warning lead included); nil outside citizen steps.
        public var stepDeadline: Date?
        /// The last queue number issued (any session).
        public var lastTicket: String?
        public var lastEnded: EndedSession?
        public var maximumCardAttempts: Int
    }

    /// What the touch UI follows, in the order it happened: the flow's UI events, and the view after each
    /// transition.
    public enum UIFeedItem: Sendable {
        case event(UIEvent)
        case view(UIView)
    }

    public var uiView: UIView {
        var deadline: Date?
        if state.step.waitsForCitizen, let ends = uiTimerEnds {
            let lead = flow.policy.warningLead(elderly: state.session?.elderly == true)
            deadline = state.warned ? ends : ends.addingTimeInterval(Self.seconds(lead))
        }
        return UIView(
            state: state, revision: uiRevision, stepDeadline: deadline, lastTicket: lastTicket, lastEnded: lastEnded,
            maximumCardAttempts: flow.policy.maximumCardAttempts)
    }

    /// Every UI event and every view from now on, until the runner stops.
    public func uiFeed() -> AsyncStream<UIFeedItem> {
        let (stream, continuation) = AsyncStream.makeStream(of: UIFeedItem.self, bufferingPolicy: .unbounded)
        let id = UUID()
        uiFeeds[id] = continuation
        continuation.onTermination = { [weak self] _ in Task { await self?.removeUIFeed(id) } }
        if stopped { continuation.finish() }
        return stream
    }

    private func removeUIFeed(_ id: UUID) { uiFeeds[id] = nil }

    private func uiTransitionBegins() { uiRevision += 1 }

    private func uiTransitionEnds() {
        uiRevision += 1
        let view = uiView
        for feed in uiFeeds.values { feed.yield(.view(view)) }
    }

    private func uiTimerStarted(after delay: Duration?) {
        uiTimerEnds = delay.map { deps.clock().addingTimeInterval(Self.seconds($0)) }
    }

    private func uiFeed(_ event: UIEvent) {
        for feed in uiFeeds.values { feed.yield(.event(event)) }
    }

    private func uiFeedsFinish() {
        for feed in uiFeeds.values { feed.finish() }
        uiFeeds.removeAll()
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    // MARK: Running

    /// Resumes a checkpointed session, then handles events until stopped or cancelled.
    public func run() async {
        await recover()
        for await envelope in events {
            switch envelope {
            case .probe(let reply):
                reply.answer(true)
            case .wedge(let pause):
                usleep(
                    UInt32(min(pause.components.seconds, 120)) * 1_000_000
                        + UInt32(pause.components.attoseconds / 1_000_000_000_000))
            case .event(let event, let reply):
                if Task.isCancelled || stopped {
                    reply?.answer(.failure(.stopping))
                    continue
                }
                await handle(event, answering: reply)
            }
        }
        stopped = true
        answerEveryWaitingRequest()
    }

    /// Stops the event loop, timers and slow effects; every request still waiting is answered `stopping`. A licence
    /// print in flight is left to the journal: the next start supervises it by its job id.
    public func stop() {
        stopped = true
        input.finish()
        timer?.cancel()
        for task in tasks.values { task.cancel() }
        for watcher in watchers.values { watcher.finish() }
        uiFeedsFinish()
        answerEveryWaitingRequest()
    }

    private func answerEveryWaitingRequest() {
        for reply in waiting.values { reply.answer(.failure(.stopping)) }
        waiting.removeAll()
    }

    private func recover() async {
        let checkpoint: SessionCheckpoint?
        do {
            checkpoint = try await deps.store.run { try $0.loadCheckpoint() }
        } catch {
            deps.logger.error("flow", "cannot read the saved session (\(error)); starting idle")
            return
        }
        guard let checkpoint else { return }
        let saved: FlowState
        do {
            saved = try JSONDecoder().decode(FlowState.self, from: checkpoint.state)
        } catch {
            // Unreadable: nobody can resume it, and its personal data must not stay.
            deps.logger.error("flow", "the saved session \(checkpoint.sessionID) is unreadable (\(error)); wiping it")
            do {
                try await deps.store.run { store in
                    try store.clearCheckpoint(sessionID: checkpoint.sessionID)
                    try store.truncateWriteAheadLog()
                }
            } catch {
                deps.logger.error(
                    "store", "the unreadable session \(checkpoint.sessionID) could not be wiped: \(error)")
            }
            return
        }
        deps.logger.notice(
            "flow",
            "resuming transaction \(saved.session?.transactionID ?? "?") at \(saved.step.rawValue), saved "
                + "\(Int(deps.clock().timeIntervalSince(checkpoint.savedAt))) s ago")
        let transition = flow.resume(saved, savedAt: checkpoint.savedAt, at: deps.clock())
        await apply(transition, for: nil)
    }

    /// Handles one event. The requester is answered once the new state is checkpointed, before the slower effects;
    /// the next event still waits for every effect of this one.
    private func handle(_ event: FlowEvent, answering reply: Reply?) async {
        let transition = flow.handle(event, in: state, at: deps.clock())
        processed += 1
        if case .notApplicable(let why) = transition.disposition {
            notApplicable += 1
            deps.logger.debug("flow", "\(event.name) in \(state.step.rawValue) not applicable: \(why)")
            reply?.answer(.success(transition.disposition))
            return
        }
        await apply(transition, for: event, answering: reply)
    }

    private func apply(_ transition: FlowTransition, for event: FlowEvent?, answering reply: Reply? = nil) async {
        let old = state.step
        let endingSession = state.session?.transactionID
        if let call = transition.state.staffCall, call != state.staffCall {
            deps.stepObserver?.staffCalled(by: call.by)
        }
        state = transition.state
        uiTransitionBegins()
        defer { uiTransitionEnds() }
        if state.step.isTerminal, !old.isTerminal, let id = endingSession {
            let reason = state.handOffReason?.rawValue ?? state.cancelReason?.rawValue ?? "completed"
            lastEnded = EndedSession(transactionID: id, step: state.step, reason: reason)
        }
        if old != state.step {
            let now = deps.clock()
            deps.stepObserver?.left(old, after: now.timeIntervalSince(since))
            since = now
            deps.logger.info(
                "flow", "\(old.rawValue) → \(state.step.rawValue)" + (event.map { " on \($0.name)" } ?? " (resumed)"))
        }
        // The requester hears back once the new state is durable (its checkpoint written, or the write failed), not
        // after the slower effects: a screen says "please wait" at once even while the store waits for a lock.
        var answered = false
        let checkpointed = transition.effects.contains { if case .persistCheckpoint = $0 { true } else { false } }
        if !checkpointed {
            reply?.answer(.success(transition.disposition))
            answered = true
        }
        for effect in transition.effects {
            await execute(effect)
            if !answered, case .persistCheckpoint = effect {
                reply?.answer(.success(transition.disposition))
                answered = true
            }
        }
    }

    // MARK: Effects

    private func execute(_ effect: FlowEffect) async {
        switch effect {
        case .startReadingCard:
            await deps.terminal.idReader?.resume()
        case .stopReadingCard:
            await deps.terminal.idReader?.pause()
        case .startCamera:
            await startCamera()
        case .stopCamera:
            await stopCamera()
        case .verifyFace(let transactionID, let attempt, let identity):
            verifyFace(transactionID: transactionID, attempt: attempt, identity: identity)
        case .startTimer(let generation, let delay):
            uiTimerStarted(after: delay)
            timer?.cancel()
            timer = Task { [weak self] in
                do { try await Task.sleep(for: delay) } catch { return }
                self?.post(.timerFired(generation: generation))
            }
        case .cancelTimers:
            uiTimerStarted(after: nil)
            timer?.cancel()
        case .persistCheckpoint(let saved):
            await saveCheckpoint(saved)
        case .requestApproval(let transactionID, let identity, let form, let signature):
            let request = ApprovalRequest(
                transactionID: transactionID, identity: identity, form: form,
                date: flow.policy.civilDate(of: deps.clock()), signatureSHA256: signature)
            spawn { [deps] in
                var request = request
                // The image the screen drew goes with the application (none when only its hash was given).
                if let signature {
                    request.signatureImage = try? await deps.store.run {
                        try $0.sessionSignatureImage(sessionID: transactionID, sha256: signature)
                    }
                }
                return .approvalResult(await deps.authority.approve(request))
            }
        case .printLicence(let transactionID, let jobUUID, let licence, _, let authorisedBy):
            if await journalHolds(jobUUID: jobUUID, of: transactionID) {
                // A session resumed from a checkpoint older than the journal asks again for a job already sent: the
                // journal decides, so the job is supervised, never sent a second time.
                deps.logger.warning(
                    "licence", "job \(jobUUID) is already in the journal; supervising it, not resending")
                superviseLicence(transactionID: transactionID, jobUUID: jobUUID)
            } else {
                printLicence(
                    transactionID: transactionID, jobUUID: jobUUID, licence: licence, authorisedBy: authorisedBy)
            }
        case .superviseLicence(let transactionID, let jobUUID):
            superviseLicence(transactionID: transactionID, jobUUID: jobUUID)
        case .printReceipt(let facts):
            printReceipt(facts)
        case .dispenseTicket(let category, let reason):
            await dispenseTicket(category: category, reason: reason)
        case .persistTransaction(var record):
            if record.queueTicket == nil, let ticket = issuedTicket { record.queueTicket = ticket }
            await persist(record)
        case .wipePersonalData(let transactionID):
            await wipe(transactionID)
        case .audit(let actor, let action, let transactionID, let detail):
            let text = [transactionID.map { "transaction \($0)" }, detail.isEmpty ? nil : detail]
                .compactMap { $0 }.joined(separator: ": ")
            let now = deps.clock()
            do {
                _ = try await deps.store.run { store in
                    try store.audit(
                        actor: String(actor.prefix(64)), action: String(action.prefix(64)),
                        detail: String(text.prefix(4096)), at: now)
                }
            } catch {
                deps.logger.error("store", "audit of '\(action)' by \(actor) not recorded: \(error)")
            }
        case .ui(let event):
            broadcast(event)
        }
    }

    private func saveCheckpoint(_ saved: FlowState) async {
        guard let id = saved.session?.transactionID else { return }
        do {
            let state = try JSONEncoder().encode(saved)
            try await deps.store.run { try $0.saveCheckpoint(sessionID: id, state: state) }
        } catch {
            deps.logger.error("store", "checkpoint of \(id) not saved: \(error)")
        }
    }

    /// Writes an ended transaction with its outbox entry and the checkpoint's removal, in one SQLite transaction, and
    /// tells the flow whether it holds (the flow retries with back-off, the screen saying "please wait").
    private func persist(_ record: TransactionRecord) async {
        do {
            let receipt = try await deps.store.run { try $0.complete(record, sessionID: record.id) }
            issuedTicket = nil
            deps.logger.info("store", "transaction \(record.id) recorded as outbox #\(receipt.seq)")
            if record.outcome == .completed { lastCompleted = record.id }
            post(.transactionPersisted(transactionID: record.id))
        } catch {
            deps.logger.error("store", "transaction \(record.id) not recorded (will retry): \(error)")
            post(.persistFailed(transactionID: record.id, reason: "\(error)"))
        }
    }

    /// The ended record and the checkpoint's removal are committed (secure_delete zeroed the checkpoint's pages);
    /// emptying the write-ahead log removes the older copies of those pages too. "Wiped" is said only then.
    private func wipe(_ transactionID: String) async {
        do {
            if try await deps.store.run({ try $0.truncateWriteAheadLog() }) {
                deps.logger.info("flow", "personal data of \(transactionID) wiped")
                return
            }
            deps.logger.warning(
                "store", "the write-ahead log could not be emptied after \(transactionID) ended; retrying")
        } catch {
            deps.logger.error("store", "the write-ahead log could not be emptied after \(transactionID): \(error)")
        }
        let store = deps.store
        let logger = deps.logger
        spawn {
            for attempt in 1...10 {
                do { try await Task.sleep(for: .seconds(attempt)) } catch { return nil }
                if (try? await store.run({ try $0.truncateWriteAheadLog() })) == true {
                    logger.info("flow", "personal data of \(transactionID) wiped")
                    return nil
                }
            }
            logger.error("store", "the write-ahead log still holds pages of \(transactionID); see kioskctl status")
            return nil
        }
    }

    private func broadcast(_ event: UIEvent) {
        let line = Self.describe(event)
        recentUI.append(line)
        if recentUI.count > 20 { recentUI.removeFirst(recentUI.count - 20) }
        for watcher in watchers.values { watcher.yield(event) }
        uiFeed(event)
    }

    /// Runs a slow effect as a task whose answer comes back as an event.
    func spawn(printsLicence: Bool = false, _ work: @escaping @Sendable () async -> FlowEvent?) {
        let id = UUID()
        if printsLicence { licencePrintsInFlight += 1 }
        tasks[id] = Task { [weak self] in
            let event = await work()
            guard let self else { return }
            if let event, !Task.isCancelled { self.post(event) }
            await self.finished(id, printsLicence: printsLicence)
        }
    }

    private func finished(_ id: UUID, printsLicence: Bool) {
        tasks[id] = nil
        if printsLicence { licencePrintsInFlight -= 1 }
    }

    // MARK: Licence

    private func printLicence(transactionID: String, jobUUID: String, licence: BusinessLicence, authorisedBy: String?) {
        let deps = deps
        let runner = self
        spawn(printsLicence: true) {
            guard let output = deps.terminal.licenceOutput else {
                return .licencePrintResult(jobUUID: jobUUID, .failed(reason: "no licence printer is configured"))
            }
            let pdf: [UInt8]
            do {
                pdf = try deps.renderLicence(licence)
            } catch {
                return .licencePrintResult(
                    jobUUID: jobUUID, .failed(reason: "the licence could not be rendered: \(error)"))
            }
            let store = deps.store
            let journalled = JournalMark()
            let journal = LicenceJournal(
                willSend: { uuid in
                    try await store.run { store in
                        try store.recordLicenceJobIntent(
                            transactionID: transactionID, jobUUID: uuid, reprintAuthorisedBy: authorisedBy)
                    }
                    journalled.set()
                },
                didCreate: { uuid, jobID in
                    try await store.run { try $0.recordLicenceJobSubmitted(jobUUID: uuid, cupsJobID: jobID) }
                })
            let previous = try? await store.run { store in
                try store.licenceJobs(transactionID: transactionID).last { $0.jobUUID != jobUUID }?.cupsJobID
            }
            deps.events?.printStarted(.licencePrinter, job: jobUUID)
            let outcome = await output.print(
                pdf: pdf, jobUUID: jobUUID, reprintOf: authorisedBy == nil ? nil : previous ?? nil,
                authorisedBy: authorisedBy, journal: journal, deadline: .after(deps.licencePrintDeadline))
            // The printer's state after the job (a jam, an empty tray) is what status must show now.
            runner.report(.licencePrinter, await output.health())
            if journalled.isSet {
                await Self.journalOutcome(outcome, jobUUID: jobUUID, deps: deps)
            } else {
                deps.logger.log(outcome.logLevel, "licence", "job \(jobUUID) not sent: \(outcome)")
                deps.events?.printEnded(.licencePrinter, job: jobUUID, outcome)
            }
            return .licencePrintResult(jobUUID: jobUUID, outcome)
        }
    }

    /// Whether the print journal already holds `jobUUID`. When the journal cannot be read, false: the print goes
    /// ahead, and the journal's refusal of a repeated intent (written before any byte is sent) still guards it.
    private func journalHolds(jobUUID: String, of transactionID: String) async -> Bool {
        do {
            return try await deps.store.run { store in
                try store.licenceJobs(transactionID: transactionID).contains { $0.jobUUID == jobUUID }
            }
        } catch {
            deps.logger.error("store", "cannot read the licence journal of \(transactionID): \(error)")
            return false
        }
    }

    private func superviseLicence(transactionID: String, jobUUID: String) {
        let deps = deps
        spawn(printsLicence: true) {
            let job = try? await deps.store.run { store in
                try store.licenceJobs(transactionID: transactionID).first { $0.jobUUID == jobUUID }
            }
            let outcome: PrintOutcome
            if let known = job?.outcome, known == .completed || { if case .failed = known { true } else { false } }() {
                outcome = known
            } else if job == nil {
                // Never journalled: the crash came before the intent, so no byte was sent.
                outcome = .failed(reason: "the print had not started when kioskd stopped")
            } else if let output = deps.terminal.licenceOutput {
                outcome = await output.supervise(
                    jobUUID: jobUUID, jobID: job?.cupsJobID, deadline: .after(deps.licencePrintDeadline))
            } else {
                outcome = .unknown(reason: "no licence printer to ask about job \(jobUUID)")
            }
            await Self.journalOutcome(outcome, jobUUID: jobUUID, deps: deps)
            return .licencePrintResult(jobUUID: jobUUID, outcome)
        }
    }

    private static func journalOutcome(_ outcome: PrintOutcome, jobUUID: String, deps: Dependencies) async {
        do {
            try await deps.store.run { try $0.recordLicenceJobOutcome(jobUUID: jobUUID, outcome: outcome) }
        } catch {
            deps.logger.error("store", "outcome of licence job \(jobUUID) not journalled: \(error)")
        }
        deps.logger.log(outcome.logLevel, "licence", "job \(jobUUID): \(outcome)")
        deps.events?.printEnded(.licencePrinter, job: jobUUID, outcome)
        if case .completed = outcome { deps.terminal.activity.count { $0.licences += 1 } }
    }

    // MARK: Receipt and ticket

    private func printReceipt(_ facts: ReceiptFacts) {
        let runner = self
        let deps = deps
        let timeZone = flow.policy.timeZone
        spawn {
            guard let printer = deps.terminal.receiptPrinter else {
                return .receiptPrintResult(.failed(reason: "no receipt printer is configured"))
            }
            let content = ReceiptContent(
                terminalID: facts.kioskID, time: deps.clock(), timeZone: timeZone,
                transactionNumber: facts.transactionID,
                applicant: PersonalText(facts.maskedApplicant, kind: .name), enterpriseName: facts.enterpriseName,
                creditCode: facts.creditCode, printedItems: facts.printed,
                qrPayload: deps.receiptQRURLBase + facts.transactionID)
            let profile = printer.configuration.profile
            let bytes = ReceiptLayout.render(
                content, paper: profile.paper, cut: profile.cut, repertoire: profile.repertoire)
            let job = "receipt \(facts.transactionID)"
            deps.events?.printStarted(.receiptPrinter, job: job)
            let result = await printer.print(PrinterJob(title: job, bytes: bytes))
            deps.terminal.activity.count {
                if case .printed = result { $0.receipts += 1 } else { $0.receiptFailures += 1 }
            }
            runner.report(.receiptPrinter, await printer.health)
            let outcome = Self.outcome(of: result)
            deps.logger.log(outcome.logLevel, "receipt", "\(job): \(result)")
            deps.events?.printEnded(.receiptPrinter, job: job, outcome)
            return .receiptPrintResult(outcome)
        }
    }

    private func dispenseTicket(category: String, reason: HandOffReason) async {
        let now = deps.clock()
        let timeZone = flow.policy.timeZone
        let number: QueueNumber
        do {
            let numbering = deps.queueNumbering
            number = try await deps.store.run { store in
                try numbering.issue(category: category, at: now, timeZone: timeZone, counter: store)
            }
        } catch {
            deps.logger.error("ticket", "no queue number for category \(category): \(error)")
            return
        }
        issuedTicket = number.text
        lastTicket = number.text
        post(.ticketIssued(number: number.text))
        deps.logger.notice("ticket", "queue number \(number.text) issued (\(reason.rawValue))")
        let deps = deps
        let runner = self
        spawn {
            guard let dispenser = deps.terminal.ticketDispenser else {
                deps.logger.warning("ticket", "no dispenser configured; number \(number.text) shown on screen only")
                return nil
            }
            let content = QueueTicketContent(
                serviceCategory: "企业登记 (\(category))", number: number.text, peopleWaiting: 0, time: now,
                timeZone: timeZone, windowHint: "请到人工窗口办理 / please go to a staffed window")
            let profile = dispenser.configuration.profile
            let bytes = QueueTicketLayout.render(
                content, paper: profile.paper, cut: profile.cut, repertoire: profile.repertoire)
            let job = "ticket \(number.text)"
            deps.events?.printStarted(.ticketDispenser, job: job)
            let result = await dispenser.dispense(PrinterJob(title: job, bytes: bytes))
            switch result {
            case .taken, .left, .retracted: deps.terminal.activity.count { $0.tickets += 1 }
            case .failed, .unknown: break
            }
            runner.report(.ticketDispenser, await dispenser.health)
            let outcome = FlowMonitorEvents.outcome(of: result)
            deps.logger.log(outcome.logLevel, "ticket", "\(job): \(result)")
            deps.events?.printEnded(.ticketDispenser, job: job, outcome)
            return nil
        }
    }

    static func outcome(of result: PrintResult) -> PrintOutcome {
        switch result {
        case .printed: .completed
        case .failed(let problem): .failed(reason: problem.reason)
        case .unknown(let problem): .unknown(reason: problem.reason)
        }
    }

    /// A log-safe line for a UI event (payloads are masked or codes already).
    static func describe(_ event: UIEvent) -> String {
        switch event {
        case .stepChanged(let step): "step \(step.rawValue)"
        case .identitySummary(let name, let number, let type): "identity \(type.rawValue) \(name) \(number)"
        case .cardReadFailed(let reason, let left): "card read failed (\(reason)), \(left) attempts left"
        case .faceMismatch(let left): "face did not match, \(left) attempts left"
        case .identityRefused(let reasons, let left):
            "identity refused (\(reasons.joined(separator: "; "))), \(left) attempts left"
        case .formRejected(let issues):
            "form rejected: \(issues.map { "\($0.field.rawValue)/\($0.code)" }.joined(separator: ", "))"
        case .signatureRequired: "signature required"
        case .declarationRequired: "declaration required"
        case .applicationRejected(let reasons, let left):
            "application rejected (\(reasons.joined(separator: "; "))), \(left) attempts left"
        case .timeoutWarning(let seconds): "timeout warning, \(seconds) s left"
        case .deviceProblem(let role): "device problem: \(role.rawValue)"
        case .deviceRecovered(let role): "device recovered: \(role.rawValue)"
        case .staffCalled(let reason): "staff called: \(reason)"
        case .staffActed(let action): "staff acted: \(action.rawValue)"
        case .receiptFailed: "receipt failed"
        case .pleaseWait: "please wait"
        case .presentCardAgain: "place the same card again"
        case .done(let id): "done \(id)"
        case .handedOff(let reason): "handed off: \(reason.rawValue)"
        case .cancelled(let reason): "cancelled: \(reason.rawValue)"
        }
    }
}

/// Remembers, across the licence output's callbacks, whether the job's intent reached the journal.
private final class JournalMark: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
