import KioskIO
import KioskProtocols

/// The state and idle-poll logic `ReceiptPrinter` and `TicketDispenser` share: the link, the last poll time, the busy
/// flag, `health` and `lastStatus`.
///
/// Not `Sendable`: each actor owns one and calls it with its own isolation (`#isolation`), so the state is only ever
/// touched on that actor's executor, as if it were the actor's own stored properties.
final class ReceiptPrinterCore {
    let configuration: PrinterConfiguration
    let link: ReceiptPrinterLink
    private(set) var health = DeviceHealth(.starting)
    private(set) var lastStatus: PrinterStatus?
    /// When status was last read (a poll, a self-test, a print or a presenter check); idle polls wait this long.
    var lastPoll: ContinuousClock.Instant?
    /// True while a job (or a dispense, with its presenter checks) is in progress; idle polls stay away.
    var busy = false

    private let stopSignal = StopSignal()

    init(configuration: PrinterConfiguration, label: String, route: @escaping ReceiptPrinterLink.NodeRoute) {
        self.configuration = configuration
        link = ReceiptPrinterLink(configuration: configuration, label: label, route: route)
    }

    /// Polls status while idle, at most once per `idlePollIntervalMilliseconds`, until `stop()` or the task is
    /// cancelled; then closes the device.
    func run(isolation: isolated (any Actor)? = #isolation) async {
        let interval = Duration.milliseconds(max(50, configuration.profile.idlePollIntervalMilliseconds))
        while !Task.isCancelled && !stopSignal.isFired {
            await pollIfIdle()
            if await stopSignal.sleep(for: interval) { break }
        }
        await link.perform { $0.close() }
    }

    /// Ends `run()` and closes the lane: a call blocked on the printer returns at once, later calls fail as stopped.
    /// Sendable, so the actor can hand it out for a `stop()` that does not wait for the actor.
    var stopSwitch: @Sendable () -> Void {
        { [stopSignal, link] in
            stopSignal.fire()
            link.stop()
        }
    }

    /// The device settled (perhaps on a new node): after any job in progress, drop the transport and ask for status,
    /// which opens it where it is now.
    @discardableResult
    func reopenNow(isolation: isolated (any Actor)? = #isolation) async -> DeviceHealth {
        lastPoll = .now
        guard
            case let (health, status)? = await link.perform({ link -> (DeviceHealth, PrinterStatus?) in
                link.close()
                return link.poll()
            })
        else { return stopped() }
        record(health, status)
        return health
    }

    /// Health and results once stopped.
    private func stopped() -> DeviceHealth {
        health = DeviceHealth(.disconnected, reasons: ["stopped"])
        return health
    }

    static let stoppedProblem = PrintProblem(
        reason: "stopped", message: "the printer's driver was stopped; nothing was sent")

    /// Asks for status unless a job is in progress or the last poll was too recent; returns the health either way.
    @discardableResult
    func pollIfIdle(isolation: isolated (any Actor)? = #isolation) async -> DeviceHealth {
        let interval = Duration.milliseconds(configuration.profile.idlePollIntervalMilliseconds)
        if busy { return health }
        if let lastPoll, ContinuousClock.now - lastPoll < interval { return health }
        return await refreshStatus()
    }

    /// Asks for status now.
    @discardableResult
    func refreshStatus(isolation: isolated (any Actor)? = #isolation) async -> DeviceHealth {
        lastPoll = .now
        guard case let (health, status)? = await link.perform({ $0.poll() }) else { return stopped() }
        record(health, status)
        return health
    }

    /// Opens the device, reads its status and, where the transport can, its IEEE 1284 device ID.
    func selfTest(isolation: isolated (any Actor)? = #isolation) async -> PrinterSelfTestReport {
        lastPoll = .now
        guard
            case let (health, status, deviceID)? = await link.perform({ link in
                let (health, status) = link.poll()
                return (health, status, link.deviceID())
            })
        else { return PrinterSelfTestReport(health: stopped(), status: nil, deviceID: nil) }
        record(health, status)
        return PrinterSelfTestReport(health: health, status: status, deviceID: deviceID)
    }

    /// Prints `job` without presenting it, marked busy while it runs.
    func print(_ job: PrinterJob, isolation: isolated (any Actor)? = #isolation) async -> PrintResult {
        busy = true
        defer { busy = false }
        return await send(job, present: false)
    }

    /// Sends `job` (and, with `present`, the presenter's present command) and records the status read around it.
    /// The caller sets `busy`. A print reads status, so it counts as a poll.
    func send(_ job: PrinterJob, present: Bool, isolation: isolated (any Actor)? = #isolation) async -> PrintResult {
        guard case let (result, health, status)? = await link.perform({ $0.printJob(job, present: present) }) else {
            _ = stopped()
            return .failed(ReceiptPrinterCore.stoppedProblem)
        }
        lastPoll = .now
        record(health, status)
        return result
    }

    /// Closes the device, waking a call blocked on it; the next call opens it again.
    func close(isolation: isolated (any Actor)? = #isolation) async {
        link.interrupt()
        _ = await link.perform { $0.close() }
    }

    private func record(_ health: DeviceHealth, _ status: PrinterStatus?) {
        self.health = health
        if let status { lastStatus = status }
    }
}
