import KioskIO
import KioskProtocols

/// The receipt printer (回执打印机): prints ESC/POS jobs and keeps `health` current with cheap, rate-limited status
/// polls while idle. Blocking I/O runs on the link's own lane (a `BlockingLane`); the actor only holds state (in a
/// `ReceiptPrinterCore`, as `TicketDispenser` does).
public actor ReceiptPrinter: DeviceService {
    public nonisolated let configuration: PrinterConfiguration
    public var health: DeviceHealth { core.health }
    public var lastStatus: PrinterStatus? { core.lastStatus }
    private let core: ReceiptPrinterCore
    private nonisolated let stopSwitch: @Sendable () -> Void

    /// `route`: the node the hotplug monitor last found a serial or usblp printer on, when not the configured path
    /// (docs/ARCHITECTURE.md §4.7); asked at every open.
    public init(configuration: PrinterConfiguration, route: @escaping @Sendable () -> String? = { nil }) {
        self.configuration = configuration
        let core = ReceiptPrinterCore(configuration: configuration, label: "receiptPrinter", route: route)
        self.core = core
        stopSwitch = core.stopSwitch
    }

    /// Polls status while idle, at most once per `idlePollIntervalMilliseconds`, until `stop()` or the task is
    /// cancelled; then closes the device.
    public func run() async { await core.run() }

    /// Ends `run()`; a call blocked on the printer returns at once (nothing more is sent), later calls fail.
    public nonisolated func stop() { stopSwitch() }

    /// After any job in progress, reopens the printer where it is now and reads its status.
    public func reopenNow() async { await core.reopenNow() }

    /// Asks for status unless a job is printing or the last poll was too recent; returns the health either way.
    @discardableResult
    public func pollIfIdle() async -> DeviceHealth { await core.pollIfIdle() }

    /// Asks for status now.
    @discardableResult
    public func refreshStatus() async -> DeviceHealth { await core.refreshStatus() }

    /// Opens the device, reads its status and, where the transport can, its IEEE 1284 device ID.
    public func selfTest() async -> PrinterSelfTestReport { await core.selfTest() }

    /// Prints `job`: `printed`, `failed` (nothing sent; the job can go again) or `unknown` (sent, not confirmed).
    public func print(_ job: PrinterJob) async -> PrintResult { await core.print(job) }

    /// Closes the device; the next call opens it again.
    public func close() async { await core.close() }
}
