import KioskIO
import KioskProtocols

/// The receipt printer (回执打印机): prints ESC/POS jobs and keeps `health` current with cheap, rate-limited status
/// polls while idle. Blocking I/O runs on the link's own queue; the actor only holds state.
public actor ReceiptPrinter {
    public nonisolated let configuration: PrinterConfiguration
    public private(set) var health = DeviceHealth(.starting)
    public private(set) var lastStatus: PrinterStatus?
    private let link: ReceiptPrinterLink
    private var lastPoll: ContinuousClock.Instant?
    private var jobInFlight = false

    public init(configuration: PrinterConfiguration) {
        self.configuration = configuration
        link = ReceiptPrinterLink(configuration: configuration, label: "receiptPrinter")
    }

    /// Polls status while idle, at most once per `idlePollIntervalMilliseconds`, until the task is cancelled; then
    /// closes the device.
    public func run() async {
        let interval = Duration.milliseconds(max(50, configuration.profile.idlePollIntervalMilliseconds))
        while !Task.isCancelled {
            await pollIfIdle()
            do { try await Task.sleep(for: interval) } catch { break }
        }
        await link.perform { $0.close() }
    }

    /// Asks for status unless a job is printing or the last poll was too recent; returns the health either way.
    @discardableResult
    public func pollIfIdle() async -> DeviceHealth {
        let interval = Duration.milliseconds(configuration.profile.idlePollIntervalMilliseconds)
        if jobInFlight { return health }
        if let lastPoll, ContinuousClock.now - lastPoll < interval { return health }
        return await refreshStatus()
    }

    /// Asks for status now.
    @discardableResult
    public func refreshStatus() async -> DeviceHealth {
        lastPoll = .now
        let (health, status) = await link.perform { $0.poll() }
        record(health, status)
        return health
    }

    /// Opens the device, reads its status and, where the transport can, its IEEE 1284 device ID.
    public func selfTest() async -> PrinterSelfTestReport {
        lastPoll = .now
        let (health, status, deviceID) = await link.perform { link in
            let (health, status) = link.poll()
            return (health, status, link.deviceID())
        }
        record(health, status)
        return PrinterSelfTestReport(health: health, status: status, deviceID: deviceID)
    }

    /// Prints `job`: `printed`, `failed` (nothing sent; the job can go again) or `unknown` (sent, not confirmed).
    public func print(_ job: PrinterJob) async -> PrintResult {
        jobInFlight = true
        defer { jobInFlight = false }
        let (result, health, status) = await link.perform { $0.printJob(job, present: false) }
        lastPoll = .now
        record(health, status)
        return result
    }

    /// Closes the device; the next call opens it again.
    public func close() async { await link.perform { $0.close() } }

    private func record(_ health: DeviceHealth, _ status: PrinterStatus?) {
        self.health = health
        if let status { lastStatus = status }
    }
}
