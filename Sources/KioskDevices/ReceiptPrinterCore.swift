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

    init(configuration: PrinterConfiguration, label: String) {
        self.configuration = configuration
        link = ReceiptPrinterLink(configuration: configuration, label: label)
    }

    /// Polls status while idle, at most once per `idlePollIntervalMilliseconds`, until the task is cancelled; then
    /// closes the device.
    func run(isolation: isolated (any Actor)? = #isolation) async {
        let interval = Duration.milliseconds(max(50, configuration.profile.idlePollIntervalMilliseconds))
        while !Task.isCancelled {
            await pollIfIdle()
            do { try await Task.sleep(for: interval) } catch { break }
        }
        await link.perform { $0.close() }
    }

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
        let (health, status) = await link.perform { $0.poll() }
        record(health, status)
        return health
    }

    /// Opens the device, reads its status and, where the transport can, its IEEE 1284 device ID.
    func selfTest(isolation: isolated (any Actor)? = #isolation) async -> PrinterSelfTestReport {
        lastPoll = .now
        let (health, status, deviceID) = await link.perform { link in
            let (health, status) = link.poll()
            return (health, status, link.deviceID())
        }
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
        let (result, health, status) = await link.perform { $0.printJob(job, present: present) }
        lastPoll = .now
        record(health, status)
        return result
    }

    /// Closes the device; the next call opens it again.
    func close(isolation: isolated (any Actor)? = #isolation) async { await link.perform { $0.close() } }

    private func record(_ health: DeviceHealth, _ status: PrinterStatus?) {
        self.health = health
        if let status { lastStatus = status }
    }
}
