import KioskProtocols

/// What a receipt printer or ticket dispenser model understands (docs/device-protocols.md §5.2: "new hardware = new
/// profile, not new code"): paper, font repertoire, cut command, which status requests answer, and the presenter.
public struct PrinterProfile: Sendable, Hashable, Codable {
    /// Where status comes from.
    public enum StatusSource: String, Sendable, Hashable, Codable {
        /// `DLE EOT n` for each of `realTimeRequests` (bidirectional link).
        case realTime
        /// Custom FULL status `DLE EOT 20`, which also reports the ticket in the exit.
        case customFullStatus
        /// USB printer-class port status only (usblp / libusb, unidirectional printers).
        case portStatus
        /// No status at all: prints end `unknown`.
        case none
    }

    /// How "ticket taken" is seen.
    public enum PresenterStatus: String, Sendable, Hashable, Codable {
        /// `GS e 6` ejector byte, bit3 (KPM210 / Reliance).
        case ejectorStatus
        /// `DLE EOT 20`, P bit5 (Custom).
        case customFullStatus
    }

    /// What to do with a ticket nobody took.
    public enum UntakenTicketPolicy: String, Sendable, Hashable, Codable {
        case retract, leave
    }

    public struct Presenter: Sendable, Hashable, Codable {
        /// `m` of `GS e 3 m`; the step length is per model (§2.7).
        public var presentSteps: UInt8
        public var status: PresenterStatus
        public var untaken: UntakenTicketPolicy
        /// How long the citizen has to take the ticket.
        public var takeTimeoutMilliseconds: Int
        /// How long the ticket may take to reach the exit after the present command.
        public var presentTimeoutMilliseconds: Int
        /// Between two presenter status polls while waiting.
        public var pollIntervalMilliseconds: Int

        public init(
            presentSteps: UInt8 = 4, status: PresenterStatus = .ejectorStatus, untaken: UntakenTicketPolicy = .retract,
            takeTimeoutMilliseconds: Int = 30_000, presentTimeoutMilliseconds: Int = 10_000,
            pollIntervalMilliseconds: Int = 250
        ) {
            self.presentSteps = presentSteps
            self.status = status
            self.untaken = untaken
            self.takeTimeoutMilliseconds = takeTimeoutMilliseconds
            self.presentTimeoutMilliseconds = presentTimeoutMilliseconds
            self.pollIntervalMilliseconds = pollIntervalMilliseconds
        }
    }

    public var name: String
    public var paper: PaperWidth
    public var repertoire: TextRepertoire
    public var cut: ESCPOSCut
    public var statusSource: StatusSource
    /// The `DLE EOT n` the model answers, asked in this order.
    public var realTimeRequests: [ESCPOSRealTimeStatusRequest]
    /// nil: no presenter control (plain receipt printer, or a dispenser whose commands are unknown).
    public var presenter: Presenter?
    /// Per status request.
    public var statusTimeoutMilliseconds: Int
    /// Per job write (a receipt is a few kilobytes; slow serial links need more).
    public var writeTimeoutMilliseconds: Int
    /// Idle polls are at least this far apart.
    public var idlePollIntervalMilliseconds: Int
    /// USB `VID:PID` pairs (as `0xVVVVPPPP`) this profile is the default for; hotplug picks the profile by them.
    public var usbProducts: [UInt32] = []

    public init(
        name: String, paper: PaperWidth = .mm80, repertoire: TextRepertoire = .gb18030,
        cut: ESCPOSCut = .partialAfterFeed(0), statusSource: StatusSource = .realTime,
        realTimeRequests: [ESCPOSRealTimeStatusRequest] = ESCPOSRealTimeStatusRequest.allCases,
        presenter: Presenter? = nil, statusTimeoutMilliseconds: Int = 1000, writeTimeoutMilliseconds: Int = 10_000,
        idlePollIntervalMilliseconds: Int = 5000
    ) {
        self.name = name
        self.paper = paper
        self.repertoire = repertoire
        self.cut = cut
        self.statusSource = statusSource
        self.realTimeRequests = realTimeRequests
        self.presenter = presenter
        self.statusTimeoutMilliseconds = statusTimeoutMilliseconds
        self.writeTimeoutMilliseconds = writeTimeoutMilliseconds
        self.idlePollIntervalMilliseconds = idlePollIntervalMilliseconds
    }

    /// Generic 80 mm Chinese ESC/POS receipt printer (Epson-compatible status).
    public static let generic80 = PrinterProfile(name: "generic-80")
    /// Generic 58 mm.
    public static let generic58 = PrinterProfile(name: "generic-58", paper: .mm58)
    /// A unidirectional usblp printer: port status only.
    public static let usbUnidirectional80 = PrinterProfile(name: "usb-unidirectional-80", statusSource: .portStatus)
    /// Custom / KPM-family kiosk printer with presenter, FULL status (§2.7).
    /// Custom's K80 shows up as USB 0DD4:0237 (docs/device-protocols.md §2.7).
    public static let customKiosk80: PrinterProfile = {
        var profile = PrinterProfile(
            name: "custom-kiosk-80", cut: .full, statusSource: .customFullStatus,
            presenter: Presenter(presentSteps: 4, status: .customFullStatus))
        profile.usbProducts = [0x0DD4_0237]
        return profile
    }()
    /// KPM210-style ticket dispenser: Epson status plus `GS e 6` ejector status (§2.7).
    public static let kpmTicket80 = PrinterProfile(
        name: "kpm-ticket-80", cut: .full, presenter: Presenter(presentSteps: 40, status: .ejectorStatus))

    public static let builtIn: [PrinterProfile] = [
        generic80, generic58, usbUnidirectional80, customKiosk80, kpmTicket80,
    ]

    /// A built-in profile by name.
    public static func named(_ name: String) -> PrinterProfile? { builtIn.first { $0.name == name } }

    /// The built-in profile for a USB device, or nil when none claims it (the caller then uses a generic one).
    public static func forUSB(vendorID: UInt16, productID: UInt16) -> PrinterProfile? {
        let key = UInt32(vendorID) << 16 | UInt32(productID)
        return builtIn.first { $0.usbProducts.contains(key) }
    }
}

extension ESCPOSCut: Codable {
    private enum CodingKeys: String, CodingKey { case kind, feed }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let feed = try container.decodeIfPresent(UInt8.self, forKey: .feed)
        switch try container.decode(String.self, forKey: .kind) {
        case "full": self = feed.map { .fullAfterFeed($0) } ?? .full
        case "partial": self = feed.map { .partialAfterFeed($0) } ?? .partial
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container,
                debugDescription: "cut kind '\(other)' is not full or partial")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .full: try container.encode("full", forKey: .kind)
        case .partial: try container.encode("partial", forKey: .kind)
        case .fullAfterFeed(let n):
            try container.encode("full", forKey: .kind)
            try container.encode(n, forKey: .feed)
        case .partialAfterFeed(let n):
            try container.encode("partial", forKey: .kind)
            try container.encode(n, forKey: .feed)
        }
    }
}
