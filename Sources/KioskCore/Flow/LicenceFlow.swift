import Foundation

/// The result of feeding one event to the flow.
public struct FlowTransition: Sendable, Hashable {
    /// Whether the event meant something in the state it arrived in. Nothing is dropped silently: an event that does
    /// not apply says why, and the runtime logs it.
    public enum Disposition: Sendable, Hashable {
        case applied
        case notApplicable(String)
    }

    public var state: FlowState
    public var effects: [FlowEffect]
    public var disposition: Disposition
}

/// The four-step self-service licence flow (身份证比对 → 填报信息 → 签字确认 → 执照打印) as a pure state machine:
/// `(state, event, time) -> (state, [effect])`. No I/O, no clock, no randomness: time and ids arrive with events,
/// and everything the world must do comes back as effects, in order.
///
/// Invariants (each checked by a random-sequence test): at most one licence print per transaction unless staff
/// authorise a reprint; "done" only after the completed transaction was persisted; personal data wiped whenever a
/// session ends; every event either applies or is reported as not applicable.
public struct LicenceFlow: Sendable {
    public let policy: FlowPolicy

    public init(policy: FlowPolicy = FlowPolicy()) { self.policy = policy }

    public func handle(_ event: FlowEvent, in state: FlowState, at now: Date) -> FlowTransition {
        var step = StepContext(flow: self, state: state, now: now)
        step.apply(event)
        return step.finish(from: state)
    }

    /// Picks a checkpointed session up again after the daemon restarted (`savedAt`: when the checkpoint was written).
    /// Before the licence was sent, a session is resumed only within its step's timeout (else it ends as
    /// `interrupted`) and only once the same card is presented again; after, the step's work is re-issued, except a
    /// licence print, which is only supervised by its journalled job id, never resubmitted.
    public func resume(_ saved: FlowState, savedAt: Date, at now: Date) -> FlowTransition {
        var step = StepContext(flow: self, state: saved, now: now)
        step.resume(savedAt: savedAt)
        return step.finish(from: saved)
    }
}

/// One transition in the making: the state being changed and the effects gathered so far.
struct StepContext {
    let flow: LicenceFlow
    var state: FlowState
    let now: Date
    var effects: [FlowEffect] = []
    var disposition: FlowTransition.Disposition = .applied

    var policy: FlowPolicy { flow.policy }

    init(flow: LicenceFlow, state: FlowState, now: Date) {
        self.flow = flow
        self.state = state
        self.now = now
    }

    /// Adds the checkpoint in front when the step or the session changed, so a crash after any later effect
    /// (a licence print above all) can be resumed from what was decided here.
    func finish(from old: FlowState) -> FlowTransition {
        var effects = effects
        let changed = old.step != state.step || state.sessionWritten(since: old) || old.staffCall != state.staffCall
        if changed, state.session != nil, !state.step.isTerminal, state.step != .idle {
            effects.insert(.persistCheckpoint(state), at: 0)
        }
        return FlowTransition(state: state, effects: effects, disposition: disposition)
    }

    mutating func notApplicable(_ why: String) {
        disposition = .notApplicable(why)
    }

    mutating func emit(_ effect: FlowEffect) { effects.append(effect) }
    mutating func ui(_ event: UIEvent) { effects.append(.ui(event)) }

    // MARK: Steps and timers

    /// Moves to `step` and starts its timer: citizen-facing steps warn first, the others just expire.
    mutating func enter(_ step: FlowStepName) {
        state.step = step
        ui(.stepChanged(step))
        restartTimer()
    }

    /// Starts the current step's timer afresh (the citizen did something, or the step was entered).
    mutating func restartTimer() {
        state.warned = false
        let step = state.step
        if step.isTerminal {
            startTimer(after: policy.endScreen)
        } else if step == .persisting || step == .idle {
            return
        } else if step.waitsForCitizen && step != .rating {
            startTimer(after: max(.zero, timeout(for: step) - warningLead))
        } else {
            state.warned = true
            startTimer(after: timeout(for: step))
        }
    }

    /// The session's timeout of `step`: doubled in 适老模式 for the steps where the citizen is the one to act.
    func timeout(for step: FlowStepName) -> Duration {
        policy.timeout(for: step, elderly: state.session?.elderly == true)
    }

    /// How long before a citizen step's timeout the warning comes (doubled in 适老模式).
    var warningLead: Duration { policy.warningLead(elderly: state.session?.elderly == true) }

    mutating func startTimer(after delay: Duration) {
        state.timerGeneration += 1
        emit(.startTimer(generation: state.timerGeneration, after: delay))
    }

    mutating func cancelTimers() {
        state.timerGeneration += 1
        emit(.cancelTimers)
    }

    // MARK: Ending a session

    /// Ends the session at a staffed window: the ticket, then 好差评 (the hand-off reason shown above it), then the
    /// durable record once the citizen rated or skipped; the end screen follows the store's acknowledgement.
    mutating func handOff(_ reason: HandOffReason) {
        guard var session = state.session else { return }
        if state.step == .awaitingCard { emit(.stopReadingCard) }
        if state.step.isFaceStep { emit(.stopCamera) }
        session.record.outcome = .handedOff(reason: reason.rawValue)
        session.record.endedAt = now
        emit(.dispenseTicket(category: policy.handOffCategory, reason: reason))
        state.handOffReason = reason
        // A session resumed after a restart whose card was not presented again: whoever stands at the screen is not
        // known to be its citizen, so nobody is asked to rate it.
        if session.resumeStep != nil { return persistEnding(session) }
        state.session = session
        enter(.rating)
    }

    /// Ends the session without a result: the record is kept without personal data.
    mutating func cancel(_ reason: CancelReason) {
        guard var session = state.session else { return }
        if state.step == .awaitingCard { emit(.stopReadingCard) }
        if state.step.isFaceStep { emit(.stopCamera) }
        session.record.outcome = .cancelled(reason: reason.rawValue)
        session.record.endedAt = now
        session.record.applicantName = nil
        session.record.applicantIDNumber = nil
        session.record.form = nil
        session.record.signatureSHA256 = nil
        state.cancelReason = reason
        persistEnding(session)
    }

    /// Writes the ended record (with the checkpoint's removal, in one store transaction) and waits in `persisting`
    /// for `.transactionPersisted`, retrying with back-off on `.persistFailed`: an ending that did not reach the disk
    /// must not come back as a live session after a restart. Only the record is kept meanwhile, so the checkpoint
    /// of `persisting` holds no more than the record will.
    mutating func persistEnding(_ ending: FlowSession) {
        var session = FlowSession(record: ending.record)
        session.licenceAttempts = ending.licenceAttempts
        session.licenceJobUUID = ending.licenceJobUUID
        session.lastLicenceOutcome = ending.lastLicenceOutcome
        state.session = session
        state.persistFailures = 0
        enter(.persisting)
        emit(.persistTransaction(session.record))
    }

    /// The store acknowledged the ended record: drop the session (and with it every personal value) and show the
    /// end screen.
    mutating func sessionPersisted(_ session: FlowSession) {
        switch session.record.outcome {
        case .handedOff:
            endSession(session, step: .handedOff)
            ui(.handedOff(reason: state.handOffReason ?? .requestedByStaff))
        case .cancelled:
            endSession(session, step: .cancelled)
            ui(.cancelled(reason: state.cancelReason ?? .citizenCancelled))
        case .completed, nil:
            endSession(session, step: .completed)
            ui(.done(transactionID: session.transactionID))
        }
    }

    mutating func endSession(_ session: FlowSession, step: FlowStepName) {
        emit(.wipePersonalData(transactionID: session.transactionID))
        state.session = nil
        state.staffCall = nil
        state.persistFailures = 0
        enter(step)
    }

    // MARK: Licence printing

    /// Starts licence attempt `session.licenceAttempts + 1`. Only called for the first attempt and after a staff
    /// member authorised a reprint.
    mutating func startLicencePrint(authorisedBy staffID: String?) {
        guard var session = state.session, let licence = session.record.licence else { return }
        session.licenceAttempts += 1
        let jobUUID = "\(session.transactionID)-L\(session.licenceAttempts)"
        session.licenceJobUUID = jobUUID
        session.lastLicenceOutcome = nil
        state.session = session
        enter(.printingLicence)
        emit(
            .printLicence(
                transactionID: session.transactionID, jobUUID: jobUUID, licence: licence,
                attempt: session.licenceAttempts, authorisedBy: staffID))
    }

    mutating func printReceipt() {
        guard let session = state.session, let licence = session.record.licence else { return }
        enter(.printingReceipt)
        let facts = ReceiptFacts(
            transactionID: session.transactionID, kioskID: session.record.kioskID,
            maskedApplicant: session.record.applicantName?.masked ?? "",
            enterpriseName: licence.name, creditCode: licence.creditCode,
            printed: [licence.kind == .company ? "营业执照（正本）" : "营业执照（个体工商户）"])
        emit(.printReceipt(facts))
    }

    /// Writes the rated (or unrated) transaction: a handed-off one as it ended, anything else as completed; "done"
    /// waits for `.transactionPersisted`.
    mutating func persistRated() {
        guard var session = state.session else { return }
        if case .handedOff? = session.record.outcome {
            return persistEnding(session)
        }
        session.record.outcome = .completed
        session.record.endedAt = now
        persistEnding(session)
    }

    /// The flow itself calls staff (a print problem, a session resumed at one).
    mutating func flowCallsStaff(_ reason: String) {
        state.staffCall = StaffCall(since: now, by: .flow, reason: reason)
        ui(.staffCalled(reason: reason))
    }
}
