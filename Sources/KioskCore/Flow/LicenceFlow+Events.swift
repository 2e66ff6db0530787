import Foundation

extension StepContext {
    mutating func apply(_ event: FlowEvent) {
        switch event {
        case .start(let transactionID, let kioskID, let elderly):
            start(transactionID: transactionID, kioskID: kioskID, elderly: elderly)
        case .citizenActive: citizenActive()
        case .confirmIdentity: confirmIdentity()
        case .submitForm(let form): submitForm(form)
        case .sign(let hash): sign(hash)
        case .confirm(let accepted): confirm(declarationAccepted: accepted)
        case .rate(let rating): rate(rating)
        case .skipRating: rate(nil)
        case .captureFace: captureFace()
        case .cancel: citizenCancels()
        case .requestHandOff: citizenAsksForWindow()
        case .callStaff: citizenCallsStaff()
        case .cardRead(let card): cardRead(card)
        case .cardError(let reason): cardError(reason)
        case .cardRemoved: notApplicable("taking the card away does not change the flow")
        case .deviceLost(let role): deviceLost(role)
        case .deviceRestored(let role): deviceRestored(role)
        case .approvalResult(let outcome): approvalResult(outcome)
        case .faceVerificationResult(let attempt, let outcome): faceVerificationResult(attempt: attempt, outcome)
        case .licencePrintResult(let jobUUID, let outcome): licencePrintResult(jobUUID: jobUUID, outcome)
        case .receiptPrintResult(let outcome): receiptPrintResult(outcome)
        case .ticketIssued(let number): ticketIssued(number)
        case .transactionPersisted(let id): transactionPersisted(id)
        case .persistFailed(let id, _): persistFailed(id)
        case .staffAssist(let staffID, let action): staffAssist(staffID, action)
        case .timerFired(let generation): timerFired(generation)
        }
    }

    mutating func ticketIssued(_ number: String) {
        guard state.handOffReason != nil, state.step == .rating, var session = state.session,
            session.record.queueTicket == nil
        else { return notApplicable("no hand-off is waiting for its queue number") }
        session.record.queueTicket = number
        state.session = session
    }

    private var isActive: Bool { state.session != nil && !state.step.isTerminal && state.step != .idle }

    // MARK: Citizen

    mutating func start(transactionID: String, kioskID: String, elderly: Bool) {
        guard state.step == .idle || state.step.isTerminal else {
            return notApplicable("a session is already running (\(state.step.rawValue))")
        }
        guard !transactionID.isEmpty else { return notApplicable("a session needs a transaction id") }
        state = FlowState(
            step: .idle,
            session: FlowSession(
                record: TransactionRecord(id: transactionID, kioskID: kioskID, startedAt: now), elderly: elderly),
            handOffReason: nil, cancelReason: nil, timerGeneration: state.timerGeneration, warned: false,
            persistFailures: 0, lostDevices: state.lostDevices, staffCall: state.staffCall)
        enter(.awaitingCard)
        emit(.startReadingCard)
        if state.lostDevices.contains(.idReader) { ui(.deviceProblem(.idReader)) }
    }

    mutating func citizenActive() {
        guard isActive, state.step.waitsForCitizen else { return notApplicable("no citizen step is waiting") }
        restartTimer()
    }

    mutating func confirmIdentity() {
        guard state.step == .verifyingIdentity else { return notApplicable("no identity to confirm") }
        enter(.fillingForm)
    }

    mutating func submitForm(_ form: ApplicationForm) {
        guard state.step == .fillingForm, var session = state.session, let identity = session.identity else {
            return notApplicable("the form is not open")
        }
        var issues = FormValidator.issues(in: form)
        let representative = form.representative.unmasked.trimmed
        if !representative.isEmpty && representative != identity.name.unmasked {
            issues.append(
                FormIssue(
                    field: .representative, code: "not-card-holder",
                    chinese: "\(FormField.representative.label(for: form.kind))应为持证人本人",
                    english: "the representative must be the holder of the card that was read"))
        }
        guard issues.isEmpty else {
            ui(.formRejected(issues))
            return restartTimer()
        }
        session.form = form
        session.record.form = form
        session.record.formSubmittedAt = now
        state.session = session
        enter(.awaitingSignature)
    }

    mutating func sign(_ hash: String) {
        guard state.step == .awaitingSignature, var session = state.session else {
            return notApplicable("no signature is expected")
        }
        let hex = hash.lowercased()
        guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit && $0.isASCII }) else {
            return notApplicable("a signature must arrive as its SHA-256 (64 hex digits)")
        }
        session.signatureSHA256 = hex
        state.session = session
        restartTimer()
    }

    mutating func confirm(declarationAccepted: Bool) {
        guard state.step == .awaitingSignature, var session = state.session,
            let identity = session.identity, let form = session.form
        else { return notApplicable("nothing to confirm") }
        guard let signature = session.signatureSHA256 else {
            ui(.signatureRequired)
            return restartTimer()
        }
        guard declarationAccepted else {
            ui(.declarationRequired)
            return restartTimer()
        }
        session.record.signatureSHA256 = signature
        session.record.signedAt = now
        session.applicationAttempts += 1
        state.session = session
        enter(.approving)
        emit(
            .requestApproval(
                transactionID: session.transactionID, identity: identity, form: form, signatureSHA256: signature))
    }

    /// 好差评 (nil: skipped). One rating per transaction; reasons and a follow-up call only with a dissatisfied
    /// grade, and a follow-up call only when the form gave a phone number to call.
    mutating func rate(_ rating: ServiceRating?) {
        guard state.step == .rating, var session = state.session else {
            if state.step == .persisting, state.session?.record.rating != nil {
                return notApplicable("this transaction has already been rated (one rating per transaction)")
            }
            return notApplicable("no rating is asked for")
        }
        if let rating {
            if let why = rating.refusal { return notApplicable(why) }
            if rating.followUpConsent, (session.record.form?.phone.unmasked.trimmed ?? "").isEmpty {
                return notApplicable("no phone number was given on the form, so no follow-up call (回访) can be agreed")
            }
        }
        session.record.rating = rating
        state.session = session
        persistRated()
    }

    mutating func citizenCancels() {
        switch state.step {
        case .awaitingCard, .verifyingIdentity, .capturingFace, .verifyingFace, .fillingForm, .awaitingSignature,
            .approving:
            cancel(.citizenCancelled)
        case .rating:
            rate(nil)
        case .printingLicence, .licencePrintProblem, .printingReceipt, .persisting:
            notApplicable("the licence is being printed or saved; the session cannot be cancelled now")
        case .idle, .completed, .handedOff, .cancelled:
            notApplicable("no session to cancel")
        }
    }

    mutating func citizenAsksForWindow() {
        if state.session?.resumeStep != nil {
            return notApplicable("the card must be placed again before this session can go to a staffed window")
        }
        switch state.step {
        case .awaitingCard, .verifyingIdentity, .capturingFace, .verifyingFace, .fillingForm, .awaitingSignature:
            handOff(.requestedByCitizen)
        default:
            notApplicable("a staffed window can be asked for only before the application is sent")
        }
    }

    /// 呼叫工作人员: on every screen, with or without a session. A call already waiting for staff is not made twice.
    mutating func citizenCallsStaff() {
        if let waiting = state.staffCall {
            return notApplicable("staff have already been called (\(waiting.by.rawValue): \(waiting.reason))")
        }
        state.staffCall = StaffCall(since: now, by: .citizen, reason: StaffCall.citizenReason)
        emit(.audit(actor: "citizen", action: "staff-call", transactionID: state.session?.transactionID))
        ui(.staffCalled(reason: StaffCall.citizenReason))
    }

    // MARK: Card reader

    mutating func cardRead(_ card: IdentityCard) {
        guard state.step == .awaitingCard, var session = state.session else {
            return notApplicable("no card is being waited for")
        }
        if let back = session.resumeStep { return cardReadAfterRestart(card, returningTo: back) }
        let today = policy.civilDate(of: now)
        let refusals = IdentityEligibility.refusals(for: card, today: today, minimumAge: policy.minimumAge)
        guard refusals.isEmpty else {
            session.cardAttempts += 1
            state.session = session
            let left = policy.maximumCardAttempts - session.cardAttempts
            if left <= 0 { return handOff(.identityRefused) }
            ui(.identityRefused(reasons: refusals.map(\.description), attemptsLeft: left))
            return restartTimer()
        }
        session.identity = card
        session.record.cardType = card.cardType
        session.record.applicantName = card.name
        session.record.applicantIDNumber = card.idNumber
        session.record.identityVerifiedAt = now
        state.session = session
        if policy.faceVerification == .required {
            beginFaceStep()
        } else {
            emit(.stopReadingCard)
            enter(.verifyingIdentity)
        }
        ui(
            .identitySummary(
                maskedName: card.name.masked, maskedIDNumber: card.idNumber.masked, cardType: card.cardType))
    }

    /// A session resumed after a restart goes on only for the holder of the card it was started with; anyone else's
    /// card ends it.
    mutating func cardReadAfterRestart(_ card: IdentityCard, returningTo back: FlowStepName) {
        guard var session = state.session, let identity = session.identity,
            identity.idNumber.unmasked == card.idNumber.unmasked, identity.cardType == card.cardType
        else { return cancel(.interrupted) }
        session.resumeStep = nil
        state.session = session
        let target = resumeTarget(back)
        if target == .capturingFace { return resumeFaceStep() }
        emit(.stopReadingCard)
        enter(target)
        reissueWork(of: target, session)
    }

    mutating func cardError(_ reason: String) {
        guard state.step == .awaitingCard, var session = state.session else {
            return notApplicable("no card is being waited for")
        }
        session.cardAttempts += 1
        state.session = session
        let left = policy.maximumCardAttempts - session.cardAttempts
        if left <= 0 { return handOff(.cardUnreadable) }
        ui(.cardReadFailed(reason: reason, attemptsLeft: left))
        restartTimer()
    }

    // MARK: Devices

    mutating func deviceLost(_ role: DeviceRole) {
        guard !state.lostDevices.contains(role) else { return notApplicable("\(role.rawValue) was already lost") }
        state.lostDevices.insert(role)
        if isActive { ui(.deviceProblem(role)) }
        if role == .camera { cameraLostInFaceStep() }
    }

    mutating func deviceRestored(_ role: DeviceRole) {
        guard state.lostDevices.contains(role) else { return notApplicable("\(role.rawValue) was not lost") }
        state.lostDevices.remove(role)
        guard isActive else { return }
        ui(.deviceRecovered(role))
        if role == .idReader && state.step == .awaitingCard { emit(.startReadingCard) }
    }

    // MARK: Results of effects

    mutating func approvalResult(_ outcome: ApprovalOutcome) {
        guard state.step == .approving, var session = state.session else {
            return notApplicable("no application is waiting for approval")
        }
        switch outcome {
        case .approved(let licence):
            session.record.licence = licence
            session.record.approvedAt = now
            state.session = session
            startLicencePrint(authorisedBy: nil)
        case .rejected(let reasons):
            let left = policy.maximumApplicationAttempts - session.applicationAttempts
            if left <= 0 { return handOff(.applicationRejected) }
            session.signatureSHA256 = nil
            session.record.signatureSHA256 = nil
            state.session = session
            enter(.fillingForm)
            ui(.applicationRejected(reasons: reasons, attemptsLeft: left))
        case .unavailable:
            handOff(.authorityUnavailable)
        }
    }

    mutating func licencePrintResult(jobUUID: String, _ outcome: PrintOutcome) {
        guard state.step == .printingLicence || state.step == .licencePrintProblem, var session = state.session,
            session.licenceJobUUID == jobUUID
        else { return notApplicable("no licence print \(jobUUID) is being waited for") }
        if state.step == .licencePrintProblem && outcome != .completed {
            return notApplicable("licence print \(jobUUID) already needs staff")
        }
        session.lastLicenceOutcome = outcome
        session.record.licencePrint = outcome
        state.session = session
        switch outcome {
        case .completed:
            session.record.licencePrintedAt = now
            state.session = session
            printReceipt()
        case .failed(let reason), .unknown(let reason):
            licencePrintProblem(reason)
        }
    }

    mutating func licencePrintProblem(_ reason: String) {
        enter(.licencePrintProblem)
        flowCallsStaff(reason)
        emit(
            .audit(
                actor: "kioskd", action: "licence-print-problem", transactionID: state.session?.transactionID,
                detail: reason))
    }

    mutating func receiptPrintResult(_ outcome: PrintOutcome) {
        guard state.step == .printingReceipt, var session = state.session else {
            return notApplicable("no receipt is being printed")
        }
        session.record.receiptPrint = outcome
        state.session = session
        if outcome != .completed { ui(.receiptFailed) }
        enter(.rating)
    }

    mutating func transactionPersisted(_ id: String) {
        guard state.step == .persisting, let session = state.session, session.transactionID == id else {
            return notApplicable("transaction \(id) is not waiting to be persisted")
        }
        sessionPersisted(session)
    }

    mutating func persistFailed(_ id: String) {
        guard state.step == .persisting, let session = state.session, session.transactionID == id else {
            return notApplicable("transaction \(id) is not waiting to be persisted")
        }
        state.persistFailures += 1
        // Back off: retry, 2×retry, 4×retry ... up to the cap. Never give up: the licence is already printed.
        var delay = policy.persistRetry
        for _ in 1..<min(state.persistFailures, 16) where delay < policy.persistRetryCap { delay = delay * 2 }
        ui(.pleaseWait)
        startTimer(after: min(delay, policy.persistRetryCap))
    }

    // MARK: Staff

    /// A staff action answers any staff call; it is audited and shown on screen before it takes effect.
    mutating func staffAssist(_ staffID: String, _ action: StaffAction) {
        guard isActive, let session = state.session else {
            guard state.staffCall != nil else { return notApplicable("no session to assist") }
            // Staff came to a call made with no session: the call is answered, there is nothing else to do.
            emit(.audit(actor: staffID, action: action.rawValue, transactionID: nil, detail: "answered a staff call"))
            state.staffCall = nil
            return ui(.staffActed(action))
        }
        let refusal: String? =
            switch action {
            case .extendTime: state.step == .persisting ? "nothing to extend while saving" : nil
            case .authoriseReprint: state.step == .licencePrintProblem ? nil : "no failed licence print to redo"
            case .confirmLicencePrinted: state.step == .licencePrintProblem ? nil : "no licence print to confirm"
            case .handOff:
                if state.step == .printingLicence || state.step == .persisting {
                    "wait for the licence print or the save to finish"
                } else if state.step == .rating {
                    "the transaction has ended; only its rating is still open"
                } else {
                    nil
                }
            }
        if let refusal { return notApplicable(refusal) }
        emit(.audit(actor: staffID, action: action.rawValue, transactionID: session.transactionID))
        state.staffCall = nil
        ui(.staffActed(action))
        switch action {
        case .extendTime:
            restartTimer()
        case .authoriseReprint:
            state.session?.reprintsAuthorised += 1
            startLicencePrint(authorisedBy: staffID)
        case .confirmLicencePrinted:
            state.session?.record.licencePrint = .completed
            state.session?.record.licencePrintedAt = now
            printReceipt()
        case .handOff:
            handOff(.requestedByStaff)
        }
    }

    // MARK: Time

    mutating func timerFired(_ generation: Int) {
        guard generation == state.timerGeneration else { return notApplicable("stale timer \(generation)") }
        let step = state.step
        if step.isTerminal {
            state.handOffReason = nil
            state.cancelReason = nil
            state.step = .idle
            ui(.stepChanged(.idle))
            return
        }
        switch step {
        case .idle:
            notApplicable("no timer runs when idle")
        case .persisting:
            guard let session = state.session else { return }
            emit(.persistTransaction(session.record))
        case .rating:
            rate(nil)
        case _ where step.waitsForCitizen && !state.warned:
            state.warned = true
            ui(.timeoutWarning(secondsLeft: Int(warningLead.components.seconds)))
            startTimer(after: warningLead)
        case .awaitingCard where state.lostDevices.contains(.idReader):
            handOff(.deviceUnavailable)
        case .awaitingCard, .verifyingIdentity, .capturingFace, .fillingForm, .awaitingSignature:
            cancel(state.session?.resumeStep == nil ? .timedOut : .interrupted)
        case .verifyingFace:
            faceVerificationTimedOut()
        case .approving:
            handOff(.authorityUnavailable)
        case .printingLicence:
            // No answer from the printer in time: the result is unknown, and an unknown print is never redone
            // without a person.
            state.session?.lastLicenceOutcome = .unknown(reason: "no result within the timeout")
            state.session?.record.licencePrint = .unknown(reason: "no result within the timeout")
            licencePrintProblem("no result within the timeout")
        case .licencePrintProblem:
            if case .failed = state.session?.lastLicenceOutcome {
                handOff(.licencePrintFailed)
            } else {
                handOff(.licencePrintUnknown)
            }
        case .printingReceipt:
            state.session?.record.receiptPrint = .unknown(reason: "no result within the timeout")
            ui(.receiptFailed)
            enter(.rating)
        case .completed, .handedOff, .cancelled:
            break
        }
    }

    // MARK: Recovery

    mutating func resume(savedAt: Date) {
        guard let session = state.session, !state.step.isTerminal, state.step != .idle else {
            state = FlowState.idle
            return cancelTimers()
        }
        state.persistFailures = 0
        let step = state.step
        switch step {
        case .awaitingCard, .verifyingIdentity, .capturingFace, .verifyingFace, .fillingForm, .awaitingSignature,
            .approving:
            // Nothing has been sent to the printer: the citizen must still be there, and be the same person.
            let away = now.timeIntervalSince(savedAt)
            // A face step comes back at the camera, within the time the citizen has there.
            let back = session.resumeStep ?? (step.isFaceStep ? .capturingFace : step)
            guard away >= 0, away * 1000 < Double(timeout(for: back).milliseconds) else {
                return cancel(.interrupted)
            }
            guard session.identity != nil else { break }
            // The camera went with the old process; the flow says so, so every face step ends with its stop.
            if step.isFaceStep { emit(.stopCamera) }
            state.session?.resumeStep = back
            enter(.awaitingCard)
            emit(.startReadingCard)
            ui(.presentCardAgain)
            return
        case .printingReceipt:
            return printReceipt()
        default:
            break
        }
        enter(step)
        reissueWork(of: step, session)
    }

    /// Asks again for what a step was waiting for when kioskd stopped.
    mutating func reissueWork(of step: FlowStepName, _ session: FlowSession) {
        switch step {
        case .awaitingCard:
            emit(.startReadingCard)
        case .verifyingIdentity:
            if let card = session.identity {
                ui(
                    .identitySummary(
                        maskedName: card.name.masked, maskedIDNumber: card.idNumber.masked, cardType: card.cardType))
            }
        case .approving:
            if let identity = session.identity, let form = session.form {
                emit(
                    .requestApproval(
                        transactionID: session.transactionID, identity: identity, form: form,
                        signatureSHA256: session.record.signatureSHA256))
            }
        case .printingLicence:
            if let job = session.licenceJobUUID {
                emit(.superviseLicence(transactionID: session.transactionID, jobUUID: job))
            }
        case .licencePrintProblem:
            flowCallsStaff("resumed after a restart")
        case .persisting:
            emit(.persistTransaction(session.record))
        default:
            break
        }
    }
}

extension Duration {
    /// Whole milliseconds, for comparing with elapsed wall time.
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
