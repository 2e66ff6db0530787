import KioskIO

/// How to reach and drive one ID-card reader model: transport, timing and retry caps. New hardware is a new profile,
/// not new code (docs/ARCHITECTURE.md §4.6). Defaults follow docs/device-protocols.md §1.11 and §5.2.
public struct IDReaderProfile: Sendable, Equatable {
    public enum Transport: Sendable, Equatable, CustomStringConvertible {
        /// RS-232, a USB-serial bridge, or a PTY from the simulator.
        case serial(path: String, baudRate: Int)
        /// A vendor USB bulk reader (e.g. 0400:C35A) with its framing.
        case usb(USBDeviceSelector, framing: GA467USBFraming)

        public var description: String {
            switch self {
            case .serial(let path, let baud): "\(path) at \(baud) bps"
            case .usb(let selector, let framing): "\(selector), \(framing.rawValue) framing"
            }
        }
    }

    /// The find-card interval kioskd ships with (docs/ARCHITECTURE.md §4.3): a card waits half of it on average
    /// before a poll sees it, and a find-card is about 25 bytes on the wire plus the SAM's answer, so a short interval
    /// buys latency cheaply. The loop polls only while the flow awaits a card; paused, it costs nothing.
    public static let defaultPollInterval: Duration = .milliseconds(defaultPollIntervalMilliseconds)
    /// `defaultPollInterval` in the unit of `pollIntervalMs` in kioskd.json.
    public static let defaultPollIntervalMilliseconds = 80
    /// `relaxedPollIntervalMs` in kioskd.json when unset.
    public static let defaultRelaxedPollInterval: Duration = .milliseconds(defaultRelaxedPollIntervalMilliseconds)
    public static let defaultRelaxedPollIntervalMilliseconds = 250
    /// `fastPollingWindowSeconds` in kioskd.json when unset.
    public static let defaultFastPollingWindow: Duration = .seconds(defaultFastPollingWindowSeconds)
    public static let defaultFastPollingWindowSeconds = 15

    public var transport: Transport
    /// Time between find-card polls (the clients in docs/device-protocols.md §1.11 use 200–300 ms or 1 s).
    public var pollInterval: Duration
    /// The interval once `fastPollingWindow` has passed with no resume and no card coming or going: a citizen who
    /// has not placed a card by then is not holding it over the reader, and each find-card costs the daemon CPU.
    public var relaxedPollInterval: Duration
    /// How long after a resume (or a card placed or lifted) find-card goes out every `pollInterval`.
    public var fastPollingWindow: Duration
    /// Deadline for SAM status, SAM ID, find and select replies.
    public var commandTimeout: Duration
    /// Deadline for the read-base-info reply (≈ 112 ms of wire time alone at 115200 bps; clients allow up to 2 s).
    public var readTimeout: Duration
    /// Consecutive timeouts before the driver sends reset (`10 FF`) and reopens the port.
    public var maxConsecutiveTimeouts: Int
    /// Failed reads of one presented card before the driver waits for it to be lifted.
    public var maxReadAttempts: Int
    /// Read with `30 10` (text + photo + fingerprint) instead of `30 01`.
    public var readFingerprint: Bool
    /// First wait before reopening a port that failed; doubles up to `maximumReopenDelay`.
    public var initialReopenDelay: Duration
    public var maximumReopenDelay: Duration
    /// How often a reader that reported a SAM fault (0x60, 0x66) is asked again.
    public var faultRecheckInterval: Duration

    public init(
        transport: Transport, pollInterval: Duration = IDReaderProfile.defaultPollInterval,
        relaxedPollInterval: Duration = IDReaderProfile.defaultRelaxedPollInterval,
        fastPollingWindow: Duration = IDReaderProfile.defaultFastPollingWindow,
        commandTimeout: Duration = .milliseconds(500), readTimeout: Duration = .milliseconds(2000),
        maxConsecutiveTimeouts: Int = 3, maxReadAttempts: Int = 3, readFingerprint: Bool = false,
        initialReopenDelay: Duration = .milliseconds(200), maximumReopenDelay: Duration = .seconds(5),
        faultRecheckInterval: Duration = .seconds(3)
    ) {
        self.transport = transport
        self.pollInterval = pollInterval
        self.relaxedPollInterval = max(pollInterval, relaxedPollInterval)
        self.fastPollingWindow = fastPollingWindow
        self.commandTimeout = commandTimeout
        self.readTimeout = readTimeout
        self.maxConsecutiveTimeouts = max(1, maxConsecutiveTimeouts)
        self.maxReadAttempts = max(1, maxReadAttempts)
        self.readFingerprint = readFingerprint
        self.initialReopenDelay = initialReopenDelay
        self.maximumReopenDelay = max(initialReopenDelay, maximumReopenDelay)
        self.faultRecheckInterval = faultRecheckInterval
    }

    /// A reader on a serial port (default 115200 8N1, §1.2).
    public static func serial(path: String, baudRate: Int = 115200) -> IDReaderProfile {
        IDReaderProfile(transport: .serial(path: path, baudRate: baudRate))
    }

    /// The vendor-specific bulk reader seen in code as VID:PID 0400:C35A, interface 0 (§1.2); framing chosen from the
    /// endpoints the interface has unless overridden.
    public static func usb0400C35A(framing: GA467USBFraming = .automatic, serialNumber: String? = nil)
        -> IDReaderProfile
    {
        IDReaderProfile(
            transport: .usb(
                USBDeviceSelector(vendorID: 0x0400, productID: 0xC35A, serialNumber: serialNumber),
                framing: framing))
    }
}
