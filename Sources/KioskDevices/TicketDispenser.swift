import KioskIO
import KioskProtocols

/// The queue-ticket dispenser (排号机): an ESC/POS printer with a presenter that holds the ticket out, reports when it
/// is taken, and retracts it (or leaves it) after the profile's timeout.
public actor TicketDispenser: DeviceService {
    public nonisolated let configuration: PrinterConfiguration
    public var health: DeviceHealth { core.health }
    public var lastStatus: PrinterStatus? { core.lastStatus }
    private let core: ReceiptPrinterCore
    private nonisolated let stopSwitch: @Sendable () -> Void
    private var link: ReceiptPrinterLink { core.link }

    /// `route`: as for `ReceiptPrinter`, the node the hotplug monitor last found the dispenser on.
    public init(configuration: PrinterConfiguration, route: @escaping @Sendable () -> String? = { nil }) {
        self.configuration = configuration
        let core = ReceiptPrinterCore(configuration: configuration, label: "ticketDispenser", route: route)
        self.core = core
        stopSwitch = core.stopSwitch
    }

    /// Idle status polling until `stop()` or cancellation, then closes the device.
    public func run() async { await core.run() }

    /// Ends `run()`; a call blocked on the dispenser returns at once, later calls fail.
    public nonisolated func stop() { stopSwitch() }

    /// After any dispense in progress, reopens the dispenser where it is now and reads its status.
    public func reopenNow() async { await core.reopenNow() }

    /// Asks for status unless a ticket is being printed or dispensed or the last poll was too recent; returns the
    /// health either way.
    @discardableResult
    public func pollIfIdle() async -> DeviceHealth { await core.pollIfIdle() }

    /// Asks for status now.
    @discardableResult
    public func refreshStatus() async -> DeviceHealth { await core.refreshStatus() }

    /// Opens the device, reads its status and, where the transport can, its IEEE 1284 device ID.
    public func selfTest() async -> PrinterSelfTestReport { await core.selfTest() }

    /// Prints without presenting (e.g. a test page).
    public func print(_ job: PrinterJob) async -> PrintResult { await core.print(job) }

    /// Prints the ticket, presents it and waits for the citizen to take it; when the take timeout passes, retracts
    /// it or leaves it per the profile. Without presenter control in the profile, a printed ticket counts as `left`.
    public func dispense(_ ticket: PrinterJob) async -> DispenseResult {
        core.busy = true
        defer { core.busy = false }
        switch await core.send(ticket, present: true) {
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
        let retracted: Result<PrinterStatus, PrintProblem> =
            await link.perform { link in
                do throws(TransportError) {
                    try link.send(ESCPOSCommand.presenterRetract)
                    return .success(try link.presenterStatus())
                } catch {
                    link.close()
                    return .failure(link.problem(error, doing: "retracting the ticket", sent: true))
                }
            } ?? .failure(ReceiptPrinterCore.stoppedProblem)
        switch retracted {
        case .failure(let problem): return .unknown(problem)
        case .success(let status): return status.contains(.ticketAtExit) ? .left : .retracted
        }
    }

    /// Closes the device; the next call opens it again.
    public func close() async { await core.close() }

    private func presenterStatus() async -> Result<PrinterStatus, PrintProblem> {
        let result: Result<PrinterStatus, PrintProblem> =
            await link.perform { link in
                do throws(TransportError) { return .success(try link.presenterStatus()) } catch {
                    link.close()
                    return .failure(
                        link.problem(error, doing: "asking the presenter whether the ticket was taken", sent: true))
                }
            } ?? .failure(ReceiptPrinterCore.stoppedProblem)
        core.lastPoll = .now
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
}
