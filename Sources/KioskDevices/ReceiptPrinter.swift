import KioskIO
import KioskProtocols

/// The receipt printer (回执打印机): prints ESC/POS jobs and keeps `health` current with cheap, rate-limited status
/// polls while idle. Blocking I/O runs on the link's own queue; the actor only holds state (in a
/// `ReceiptPrinterCore`, as `TicketDispenser` does).
public actor ReceiptPrinter {
    public nonisolated let configuration: PrinterConfiguration
    public var health: DeviceHealth { core.health }
    public var lastStatus: PrinterStatus? { core.lastStatus }
    private let core: ReceiptPrinterCore

    public init(configuration: PrinterConfiguration) {
        self.configuration = configuration
        core = ReceiptPrinterCore(configuration: configuration, label: "receiptPrinter")
    }

    /// Polls status while idle, at most once per `idlePollIntervalMilliseconds`, until the task is cancelled; then
    /// closes the device.
    public func run() async { await core.run() }

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
