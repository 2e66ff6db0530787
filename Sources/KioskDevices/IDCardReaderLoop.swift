import Foundation
import KioskCore
import KioskIO
import KioskProtocols

/// The reader loop on the reader's lane (a `BlockingLane` whose thread it keeps): open, check the SAM, poll
/// find-card, select, read, and report events. Blocking transport calls live here, never on an actor's executor;
/// `IDCardReader` owns one and relays its events. The open transport is attached to the lane, so `stop()` closes it
/// and wakes a blocked exchange at once.
final class IDCardReaderLoop: @unchecked Sendable {
    typealias Opener = IDCardReader.Opener
    typealias SelfTestReply = @Sendable (Result<IDReaderSelfTestReport, IDCardReaderError>) -> Void

    private let profile: IDReaderProfile
    private let open: Opener
    private let emit: @Sendable (IDCardReaderEvent) -> Void
    private let finished: @Sendable () -> Void
    private let lane = BlockingLane(name: "IDCardReader")
    private let control = NSCondition()
    // Guarded by `control`.
    private var stopRequested = false
    /// Set by `reopenNow()`: the next back-off is skipped and the delay starts over.
    private var reopenRequested = false
    private var paused: Bool
    /// Set by every pause, cleared by the loop when it next polls.
    private var pausedSinceLastPoll = false
    private var selfTests: [SelfTestReply] = []
    // Loop-thread only.
    private var health: DeviceHealth?
    private var presence = Presence.none
    private var consecutiveTimeouts = 0
    private var answeredInSession = false
    /// Until when find-card goes out every `pollInterval` rather than `relaxedPollInterval`.
    private var fastPollingUntil = ContinuousClock.now

    /// Where the loop stands with the card on the reader.
    private enum Presence: Equatable {
        case none
        /// Found, not yet read; `failures` reads have failed.
        case presented(failures: Int)
        /// Read (or given up after too many failures); `seenAbsent` once find-card said 0x80 since.
        case done(seenAbsent: Bool)
    }

    /// How a session on one opened transport ended.
    private enum SessionEnd { case stopped, disconnected, unresponsive }

    init(
        profile: IDReaderProfile, paused: Bool, open: @escaping Opener,
        emit: @escaping @Sendable (IDCardReaderEvent) -> Void, finished: @escaping @Sendable () -> Void
    ) {
        self.profile = profile
        self.paused = paused
        self.open = open
        self.emit = emit
        self.finished = finished
    }

    func start() {
        if !lane.start({ [self] in main() }) { finished() }
    }

    /// Ends the loop; a blocked transport call is woken by the lane closing the transport.
    func stop() {
        control.lock()
        stopRequested = true
        control.broadcast()
        control.unlock()
        lane.close()
    }

    /// Cuts a back-off short: the hotplug monitor says the device is there now.
    func reopenNow() {
        control.lock()
        reopenRequested = true
        control.broadcast()
        control.unlock()
    }

    func setPaused(_ value: Bool) {
        control.lock()
        paused = value
        if value { pausedSinceLastPoll = true }
        control.broadcast()
        control.unlock()
    }

    func requestSelfTest(_ reply: @escaping SelfTestReply) {
        control.lock()
        if stopRequested {
            control.unlock()
            reply(.failure(.stopped))
            return
        }
        selfTests.append(reply)
        control.broadcast()
        control.unlock()
    }

    // MARK: - Loop thread

    private func main() {
        defer {
            for reply in takeSelfTests() { reply(.failure(.stopped)) }
            finished()
        }
        report(DeviceHealth(.starting))
        var delay = profile.initialReopenDelay
        while !isStopping {
            let opened: any ByteTransport
            do {
                opened = try open(profile)
            } catch {
                report(IDCardReaderLoop.openFailureHealth(error, profile: profile))
                for reply in takeSelfTests() { reply(.failure(IDCardReaderError(openFailure: error))) }
                delay = backOff(delay)
                continue
            }
            guard lane.attach(opened) else { return }  // stopping: the lane closed it
            takeReopenRequest()
            let link = IDCardReaderLink(transport: opened)
            let end = session(link)
            if answeredInSession && end != .unresponsive { delay = profile.initialReopenDelay }
            lane.detach(opened)
            opened.close()
            switch end {
            case .stopped: return
            case .disconnected:
                report(DeviceHealth(.disconnected, reasons: ["disconnected"]))
                presence = .none  // whatever comes back may be another reader with another card
                delay = backOff(delay)
            case .unresponsive:
                // A reader that answered before gets reopened at once; a silent one with growing pauses.
                if answeredInSession {
                    delay = profile.initialReopenDelay
                } else {
                    delay = backOff(delay)
                }
            }
        }
    }

    /// Talks to one opened reader until it disconnects, stops answering, or the loop stops.
    private func session(_ link: IDCardReaderLink) -> SessionEnd {
        var samReady = false
        startFastPolling()
        consecutiveTimeouts = 0
        answeredInSession = false
        while !isStopping {
            // Fixed-rate polling: the next find-card goes out one interval after this one started, so a card waits
            // half an interval on average however long the exchange took. The interval is short while a card is
            // likely to come, relaxed after that (docs/ARCHITECTURE.md §4.3).
            let pollStarted = ContinuousClock.now
            do {
                for reply in takeSelfTests() { reply(runSelfTest(link)) }
                if !samReady {
                    let status = try command(.samStatus, link, timeout: profile.commandTimeout).status
                    guard status == .success else {
                        if status.isReaderFault {
                            report(DeviceHealth(.faulted, reasons: [status.reasonCode]))
                            wait(profile.faultRecheckInterval)
                        } else {
                            // 0x10/0x11 and the like: our frame was damaged on the line; ask again.
                            link.markNeedsResync()
                            wait(profile.pollInterval)
                        }
                        continue
                    }
                    samReady = true
                    report(DeviceHealth(.ready))
                }
                if isPaused {
                    waitWhilePaused()
                    startFastPolling()
                    continue
                }
                // While paused nobody watched the reader, so a card "still there" from before may have been lifted
                // and another placed, however short the pause. Readers answer "no card" for a card already read
                // (docs/device-protocols.md §1.11), so any card found after a pause is a new presentation.
                if takePauseMark() {
                    startFastPolling()
                    if case .done = presence { presence = .none }
                }
                try poll(link)
                report(DeviceHealth(.ready))
            } catch .status(let status, _) where status.isReaderFault {
                samReady = false
                report(DeviceHealth(.faulted, reasons: [status.reasonCode]))
                wait(profile.faultRecheckInterval)
                continue
            } catch .disconnected(let what) {
                if case .presented = presence { emit(.cardError(.disconnected(what))) }
                presence = .none
                return .disconnected
            } catch .stopped {
                return .stopped
            } catch .timedOut(let command) {
                if case .presented(let failures) = presence {
                    emit(.cardError(.timedOut(command: command)))
                    presence =
                        failures + 1 >= profile.maxReadAttempts
                        ? .done(seenAbsent: false) : .presented(failures: failures + 1)
                }
                if consecutiveTimeouts >= profile.maxConsecutiveTimeouts {
                    report(DeviceHealth(.faulted, reasons: ["reader-not-responding"]))
                    _ = try? link.exchange(.reset, timeout: profile.commandTimeout)
                    return .unresponsive
                }
                continue
            } catch {
                // Transport failures other than a disconnect: reopen.
                report(DeviceHealth(.faulted, reasons: [error.reasonCode]))
                return .unresponsive
            }
            // Chosen after the poll, so a card that came or went in it already shortens this wait.
            let relaxed = max(profile.pollInterval, profile.relaxedPollInterval)  // never faster than the fast rate
            let interval = ContinuousClock.now < fastPollingUntil ? profile.pollInterval : relaxed
            wait(max(.zero, pollStarted + interval - ContinuousClock.now))
        }
        return .stopped
    }

    /// One find-card poll, and select + read when a new card is there.
    private func poll(_ link: IDCardReaderLink) throws(IDCardReaderError) {
        let before = presence
        defer { if presence != before { startFastPolling() } }
        let find = try command(.findCard, link, timeout: profile.commandTimeout)
        switch find.status {
        case .cardFound:
            switch presence {
            case .done(seenAbsent: false):
                return  // the card just read is still there (a reader that keeps reporting it)
            case .done(seenAbsent: true):
                emit(.cardRemoved)
                fallthrough
            case .none:
                presence = .presented(failures: 0)
                emit(.cardPresented)
            case .presented:
                break
            }
            try read(link)
        case .noCard:
            switch presence {
            case .presented:
                emit(.cardRemoved)
                presence = .none
            case .done:
                presence = .done(seenAbsent: true)
            case .none:
                break
            }
        case let status where status.isReaderFault:
            throw .status(status, command: GA467Command.findCard.description)
        default:
            // 0x10/0x11 (our frame arrived damaged) or an unexpected status: resync and poll again.
            link.markNeedsResync()
        }
    }

    private func read(_ link: IDCardReaderLink) throws(IDCardReaderError) {
        let select = try command(.selectCard, link, timeout: profile.commandTimeout)
        guard select.status == .success else {
            return try failRead(.status(select.status, command: GA467Command.selectCard.description))
        }
        let request: GA467Command = profile.readFingerprint ? .readBaseInfoWithFingerprint : .readBaseInfo
        let reply = try command(request, link, timeout: profile.readTimeout)
        guard reply.status == .success else {
            return try failRead(.status(reply.status, command: request.description))
        }
        let card: IdentityCard
        let info: GA467BaseInfo
        do {
            info = try GA467BaseInfo(replyData: reply.data, withFingerprint: profile.readFingerprint)
        } catch {
            return try failRead(.malformedReply(error))
        }
        do {
            card = try GA467TextBlock.decode(info.text)
        } catch {
            return try failRead(.undecodableCard(error))
        }
        presence = .done(seenAbsent: false)
        emit(.cardRead(card, CardPhoto(wlt: info.photo)))
    }

    /// Reports a failed read; after the profile's cap the card must be lifted before it is tried again.
    private func failRead(_ error: IDCardReaderError) throws(IDCardReaderError) {
        if case .status(let status, _) = error, status.isReaderFault { throw error }
        emit(.cardError(error))
        if case .presented(let failures) = presence {
            presence =
                failures + 1 >= profile.maxReadAttempts ? .done(seenAbsent: false) : .presented(failures: failures + 1)
        }
    }

    private func command(_ command: GA467Command, _ link: IDCardReaderLink, timeout: Duration)
        throws(IDCardReaderError) -> GA467Response
    {
        do {
            let response = try link.exchange(command, timeout: timeout)
            consecutiveTimeouts = 0
            answeredInSession = true
            return response
        } catch {
            if case .timedOut = error { consecutiveTimeouts += 1 }
            if isStopping { throw .stopped }
            throw error
        }
    }

    /// A card is likely soon: the flow just asked for one, or one came or went.
    private func startFastPolling() {
        fastPollingUntil = ContinuousClock.now + profile.fastPollingWindow
    }

    private func runSelfTest(_ link: IDCardReaderLink) -> Result<IDReaderSelfTestReport, IDCardReaderError> {
        do {
            let status = try command(.samStatus, link, timeout: profile.commandTimeout).status
            guard status == .success else { return .success(IDReaderSelfTestReport(samStatus: status, samID: nil)) }
            let id = try command(.samID, link, timeout: profile.commandTimeout)
            return .success(IDReaderSelfTestReport(samStatus: status, samID: GA467SAMID(replyData: id.data)))
        } catch {
            return .failure(error)
        }
    }

    // MARK: - State shared with other threads

    private func report(_ new: DeviceHealth) {
        guard new != health else { return }
        health = new
        emit(.health(new))
    }

    private var isStopping: Bool {
        control.lock()
        defer { control.unlock() }
        return stopRequested
    }

    private var isPaused: Bool {
        control.lock()
        defer { control.unlock() }
        return paused
    }

    /// Waits `delay` before the next open unless `reopenNow()` came (then at once); the next delay.
    private func backOff(_ delay: Duration) -> Duration {
        let until = Date(timeIntervalSinceNow: seconds(delay))
        control.lock()
        defer { control.unlock() }
        while !stopRequested && selfTests.isEmpty && !reopenRequested {
            if !control.wait(until: until) { break }
        }
        if reopenRequested {
            reopenRequested = false
            return profile.initialReopenDelay
        }
        return min(delay * 2, profile.maximumReopenDelay)
    }

    /// A reopen asked for before this open succeeded is done.
    private func takeReopenRequest() {
        control.lock()
        reopenRequested = false
        control.unlock()
    }

    /// What a failed open says about the reader: gone → `disconnected`; a refusal (permission, busy) by the one
    /// errno table, with the node and errno as the last error.
    static func openFailureHealth(_ error: any Error, profile: IDReaderProfile) -> DeviceHealth {
        let path: String
        switch profile.transport {
        case .serial(let node, _): path = node
        case .usb(let selector, _): path = selector.description
        }
        if case .system(let system)? = error as? TransportError {
            return DeviceHealth.failure(path: path, errno: system.errno, message: system.description)
        }
        return DeviceHealth(
            .disconnected, reasons: ["disconnected"],
            lastError: DeviceHealth.LastError(path: path, errno: 0, message: "\(error)"))
    }

    private func takeSelfTests() -> [SelfTestReply] {
        control.lock()
        defer { control.unlock() }
        let taken = selfTests
        selfTests.removeAll()
        return taken
    }

    /// Waits `duration` (the poll cadence or a backoff), ending early on stop or a self-test request.
    private func wait(_ duration: Duration) {
        let until = Date(timeIntervalSinceNow: seconds(duration))
        control.lock()
        defer { control.unlock() }
        while !stopRequested && selfTests.isEmpty {
            if !control.wait(until: until) { return }
        }
    }

    private func takePauseMark() -> Bool {
        control.lock()
        defer { control.unlock() }
        defer { pausedSinceLastPoll = false }
        return pausedSinceLastPoll
    }

    private func waitWhilePaused() {
        control.lock()
        defer { control.unlock() }
        while paused && !stopRequested && selfTests.isEmpty { control.wait() }
    }

    private func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
