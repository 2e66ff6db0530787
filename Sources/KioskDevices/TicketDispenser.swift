import KioskIO
import KioskProtocols

/// The queue-ticket dispenser (排号机): an ESC/POS printer with a presenter that holds the ticket out, reports when it
/// is taken, and retracts it (or leaves it) after the profile's timeout.
public actor TicketDispenser {
    public nonisolated let configuration: PrinterConfiguration
    public private(set) var health = DeviceHealth(.starting)
    public private(set) var lastStatus: PrinterStatus?
    private let link: ReceiptPrinterLink
    private var lastPoll: ContinuousClock.Instant?
    private var busy = false

    public init(configuration: PrinterConfiguration) {
        self.configuration = configuration
        link = ReceiptPrinterLink(configuration: configuration, label: "ticketDispenser")
    }

    /// Idle status polling until cancelled, then closes the device.
    public func run() async {
        let interval = Duration.milliseconds(max(50, configuration.profile.idlePollIntervalMilliseconds))
        while !Task.isCancelled {
            await pollIfIdle()
            do { try await Task.sleep(for: interval) } catch { break }
        }
        await link.perform { $0.close() }
    }

    @discardableResult
    public func pollIfIdle() async -> DeviceHealth {
        if busy { return health }
        if let lastPoll,
            ContinuousClock.now - lastPoll < .milliseconds(configuration.profile.idlePollIntervalMilliseconds)
        {
            return health
        }
        return await refreshStatus()
    }

    @discardableResult
    public func refreshStatus() async -> DeviceHealth {
        lastPoll = .now
        let (health, status) = await link.perform { $0.poll() }
        record(health, status)
        return health
    }

    public func selfTest() async -> PrinterSelfTestReport {
        lastPoll = .now
        let (health, status, deviceID) = await link.perform { link in
            let (health, status) = link.poll()
            return (health, status, link.deviceID())
        }
        record(health, status)
        return PrinterSelfTestReport(health: health, status: status, deviceID: deviceID)
    }

    /// Prints without presenting (e.g. a test page).
    public func print(_ job: PrinterJob) async -> PrintResult {
        busy = true
        defer { busy = false }
        let (result, health, status) = await link.perform { $0.printJob(job, present: false) }
        record(health, status)
        return result
    }

    /// Prints the ticket, presents it and waits for the citizen to take it; when the take timeout passes, retracts
    /// it or leaves it per the profile. Without presenter control in the profile, a printed ticket counts as `left`.
    public func dispense(_ ticket: PrinterJob) async -> DispenseResult {
        busy = true
        defer { busy = false }
        let (printed, health, status) = await link.perform { $0.printJob(ticket, present: true) }
        lastPoll = .now
        record(health, status)
        switch printed {
        case .failed(let problem): return .failed(problem)
        case .unknown(let problem): return .unknown(problem)
        case .printed: break
        }
        guard let presenter = configuration.profile.presenter else { return .left }
        let interval = Duration.milliseconds(max(1, presenter.pollIntervalMilliseconds))

        // Phase 1: the ticket reaches the exit.
        let presentDeadline = ContinuousClock.now + .milliseconds(presenter.presentTimeoutMilliseconds)
        var seen = false
        while !seen {
            switch await presenterStatus() {
            case .failure(let problem): return .unknown(problem)
            case .success(let status): seen = status.contains(.ticketAtExit)
            }
            if seen { break }
            if ContinuousClock.now >= presentDeadline {
                return .unknown(
                    PrintProblem(
                        reason: "ticket-not-presented",
                        message:
                            "the ticket never showed in the exit of \(configuration.endpoint) within \(presenter.presentTimeoutMilliseconds) ms; check the presenter"
                    ))
            }
            if await pause(interval) { return .unknown(cancelled()) }
        }

        // Phase 2: the citizen takes it, or the time runs out.
        let takeDeadline = ContinuousClock.now + .milliseconds(presenter.takeTimeoutMilliseconds)
        while ContinuousClock.now < takeDeadline {
            if await pause(interval) { return .unknown(cancelled()) }
            switch await presenterStatus() {
            case .failure(let problem): return .unknown(problem)
            case .success(let status): if !status.contains(.ticketAtExit) { return .taken }
            }
        }
        guard presenter.untaken == .retract else { return .left }
        let retracted: Result<PrinterStatus, PrintProblem> = await link.perform { link in
            do throws(TransportError) {
                try link.send(ESCPOSCommand.presenterRetract)
                return .success(try link.presenterStatus())
            } catch {
                link.close()
                return .failure(link.problem(error, doing: "retracting the ticket", sent: true))
            }
        }
        switch retracted {
        case .failure(let problem): return .unknown(problem)
        case .success(let status): return status.contains(.ticketAtExit) ? .left : .retracted
        }
    }

    public func close() async { await link.perform { $0.close() } }

    private func presenterStatus() async -> Result<PrinterStatus, PrintProblem> {
        let result: Result<PrinterStatus, PrintProblem> = await link.perform { link in
            do throws(TransportError) { return .success(try link.presenterStatus()) } catch {
                link.close()
                return .failure(
                    link.problem(error, doing: "asking the presenter whether the ticket was taken", sent: true))
            }
        }
        lastPoll = .now
        return result
    }

    /// Waits between presenter polls (a rate limit, not synchronisation); true when the task was cancelled.
    private func pause(_ interval: Duration) async -> Bool {
        do {
            try await Task.sleep(for: interval)
            return false
        } catch { return true }
    }

    private func cancelled() -> PrintProblem {
        PrintProblem(
            reason: "cancelled", message: "stopped waiting for the ticket to be taken; it may still be in the exit")
    }

    private func record(_ health: DeviceHealth, _ status: PrinterStatus?) {
        self.health = health
        if let status { lastStatus = status }
    }
}
