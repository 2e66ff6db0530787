import Foundation
import KioskCore
import KioskDevices

/// One device role's configuration.
public struct DeviceConfig: Sendable, Hashable {
    public var endpoint: DeviceEndpoint
    /// The device profile (quirks) by name; nil = the role's default profile.
    public var profile: String?
    /// ID reader: how often to poll for a card.
    public var pollInterval: Duration
    /// ID reader: the poll interval once `fastPollingWindow` has passed quietly (docs/ARCHITECTURE.md §4.3).
    public var relaxedPollInterval: Duration
    /// ID reader: how long after a resume or a card coming or going it polls every `pollInterval`.
    public var fastPollingWindow: Duration

    public init(
        endpoint: DeviceEndpoint, profile: String? = nil, pollInterval: Duration = IDReaderProfile.defaultPollInterval,
        relaxedPollInterval: Duration = IDReaderProfile.defaultRelaxedPollInterval,
        fastPollingWindow: Duration = IDReaderProfile.defaultFastPollingWindow
    ) {
        self.endpoint = endpoint
        self.profile = profile
        self.pollInterval = pollInterval
        self.relaxedPollInterval = relaxedPollInterval
        self.fastPollingWindow = fastPollingWindow
    }
}

/// Who approves applications (`authority.*`): the central registration service, or the embedded rules-based authority
/// for simulation, benches and a terminal explicitly set up without a centre.
public struct AuthorityConfig: Sendable, Hashable {
    /// `central` asks `central.registration`; the others are the embedded authority (`embedded` = `approve`), the
    /// last two answering every application with a rejection or an outage, to drive those paths.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        case central, embedded, approve, reject, unavailable
    }
    public var mode: Mode
    /// Whether `authority.mode` was in the config: production refuses to guess (no embedded approvals by default).
    public var modeIsExplicit = false

    /// The embedded authority's behaviour (`approve` for `central`, which does not use it).
    public var embeddedMode: Mode { mode == .embedded || mode == .central ? .approve : mode }
    /// The first 8 characters of allocated credit codes: 登记管理部门 9, 类别 1, and the 6-digit region code.
    public var creditCodePrefix: String
    /// 登记机关 printed on the licence.
    public var registrationAuthority: String
    /// Base of the licence QR URL; the credit code is appended.
    public var licenceURLBase: String

    public init(
        mode: Mode = .approve, creditCodePrefix: String = "91110101",
        registrationAuthority: String = "北京市东城区市场监督管理局",
        licenceURLBase: String = "https://www.gsxt.gov.cn/licence/"
    ) {
        self.mode = mode
        self.creditCodePrefix = creditCodePrefix
        self.registrationAuthority = registrationAuthority
        self.licenceURLBase = licenceURLBase
    }
}

/// The receipt printed at the end of a transaction.
public struct ReceiptConfig: Sendable, Hashable {
    /// Base of the receipt's QR code; the transaction id is appended (`receipt.qrURLBase`).
    public var qrURLBase: String

    public init(qrURLBase: String = "https://kiosk.example.gov.cn/tx/") { self.qrURLBase = qrURLBase }
}

/// The licence print.
public struct LicenceConfig: Sendable, Hashable {
    /// How long a licence print (submission and CUPS supervision) may take before it counts as failed or unknown
    /// (`licence.printDeadlineSeconds`, default 240).
    public var printDeadline: Duration
    /// The fonts the licence is set in (`licence.fontPath` and friends).
    public var fonts = LicenceFontConfig()

    public init(printDeadline: Duration = .seconds(240)) { self.printDeadline = printDeadline }
}

/// The SQLite store.
public struct StoreConfig: Sendable, Hashable {
    /// The cap on the database file (`store.maximumSizeMB`, default 512): past it writes fail as `store-disk-full`
    /// instead of filling the disk that also holds the logs.
    public var maximumSizeMB: Int

    public init(maximumSizeMB: Int = 512) { self.maximumSizeMB = maximumSizeMB }

    /// `maximumSizeMB` in bytes, for `TransactionStore.Options.maximumDatabaseBytes`.
    public var maximumDatabaseBytes: Int64 { Int64(maximumSizeMB) * 1024 * 1024 }
}

/// How long personal data is kept.
public struct RetentionConfig: Sendable, Hashable {
    /// Days after a transaction ended (later: after the central server acknowledged it) before its name, ID number,
    /// address, phone and signature hash are purged (`retention.personalDataDays`, default 30).
    public var personalDataDays: Int

    public init(personalDataDays: Int = 30) { self.personalDataDays = personalDataDays }

    public var personalData: Duration { .seconds(Int64(personalDataDays) * 86_400) }
}

/// The daily online backup of the store into `stateDirectory/backups`.
public struct BackupConfig: Sendable, Hashable {
    /// How many daily backups to keep (`backup.keep`, default 7); 0 turns backups off.
    public var keep: Int

    public init(keep: Int = 7) { self.keep = keep }
}

/// kioskd's configuration, read from a JSON file. Every key is checked; errors name the key and what it expected.
public struct DaemonConfig: Sendable {
    public var kioskID: String
    public var stateDirectory: String
    public var runtimeDirectory: String
    public var devices: [DeviceRole: DeviceConfig]
    public var flow: FlowPolicy
    public var authority: AuthorityConfig
    public var logLevel: LogLevel
    public var receipt = ReceiptConfig()
    public var licence = LicenceConfig()
    public var store = StoreConfig()
    public var retention = RetentionConfig()
    public var backup = BackupConfig()
    /// The hotplug monitor's settle delay, reconcile interval and port matches.
    public var hotplug = HotplugConfig()
    /// The link to the central server (`central.*`); everything off by default.
    public var central = CentralConfig()
    /// The citizen's touch UI (`ui.*`), on 127.0.0.1:8080 unless configured.
    public var ui = UIConfig()
    /// `simulation.*`, read by `--simulate` only.
    public var simulation = SimulationConfig()
    /// Whether `identity.faceVerification` was set: `--simulate` otherwise compares faces (docs/face-verification.md).
    public var faceVerificationIsExplicit = false
    /// Whether the file named `central` or `authority` settings of its own (then `--simulate` does not point the
    /// link at the central simulator).
    public var namesCentralOrAuthority = false

    public init(
        kioskID: String = "KIOSK-SIM-01", stateDirectory: String = "/var/lib/kioskd",
        runtimeDirectory: String = "/run/kioskd", devices: [DeviceRole: DeviceConfig] = [:],
        flow: FlowPolicy = FlowPolicy(), authority: AuthorityConfig = AuthorityConfig(),
        logLevel: LogLevel = .info
    ) {
        self.kioskID = kioskID
        self.stateDirectory = stateDirectory
        self.runtimeDirectory = runtimeDirectory
        self.devices = devices
        self.flow = flow
        self.authority = authority
        self.logLevel = logLevel
    }

    /// The largest config file read; anything bigger is certainly not a kioskd config.
    public static let maximumFileSize = 1 << 20

    public static func load(path: String) throws(ConfigError) -> DaemonConfig {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ConfigError(file: path, keyPath: "", problem: "cannot be read (missing or no permission)")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maximumFileSize + 1)) ?? Data()
        guard data.count <= maximumFileSize else {
            throw ConfigError(file: path, keyPath: "", problem: "larger than \(maximumFileSize) bytes")
        }
        return try parse(data, file: path)
    }

    public static func parse(_ data: Data, file: String) throws(ConfigError) -> DaemonConfig {
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data)
        } catch {
            guard let problem = JSONSyntaxLocator.firstProblem(in: Array(data)) else {
                throw ConfigError(file: file, keyPath: "", problem: "not valid JSON (\(error.localizedDescription))")
            }
            throw ConfigError(
                file: file, keyPath: "",
                problem: "not valid JSON at line \(problem.line), column \(problem.column): \(problem.message)")
        }
        guard let object = json as? [String: Any] else {
            throw ConfigError(file: file, keyPath: "", problem: "the top level must be a JSON object")
        }
        let root = try ConfigReader(
            file: file, path: "", object: object,
            allowed: [
                "kioskID", "stateDirectory", "runtimeDirectory", "timeZone", "devices", "flow", "authority", "log",
                "centralURL", "receipt", "licence", "store", "retention", "backup", "central", "hotplug", "ui",
                "identity",
                "simulation",
            ])
        var config = DaemonConfig()
        config.kioskID = try root.string("kioskID", maxLength: 64)
        guard config.kioskID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw root.error("kioskID", "use letters, digits, '-' and '_' only")
        }
        config.stateDirectory = try root.string("stateDirectory", default: config.stateDirectory)
        config.runtimeDirectory = try root.string("runtimeDirectory", default: config.runtimeDirectory)
        if root.has("centralURL") {
            throw root.error("centralURL", "replaced by central.push.url (with its tokenFile and tls.pinSHA256)")
        }
        config.namesCentralOrAuthority = root.has("central") || root.has("authority")
        if let central = try root.child("central", allowed: ["pull", "push", "registration", "metrics", "identity"]) {
            config.central = try CentralConfig(central)
        }
        if let ui = try root.child("ui", allowed: ["listen", "heartbeatMs"]) {
            config.ui = try UIConfig(ui)
        }
        if let zone = try root.optionalString("timeZone") {
            guard let timeZone = TimeZone(identifier: zone) else {
                throw root.error("timeZone", "unknown time zone '\(zone)'")
            }
            config.flow.timeZone = timeZone
        }
        if let devices = try root.child("devices", allowed: Set(DeviceRole.allCases.map(\.rawValue))) {
            if let camera = try devices.child("camera", allowed: cameraKeys) {
                config.devices[.camera] = try parseCamera(camera)
            }
            for role in DeviceRole.allCases where role != .camera {
                if let device = try devices.child(
                    role.rawValue,
                    allowed: [
                        "transport", "path", "baud", "host", "port", "vendorID", "productID", "serialNumber", "queue",
                        "server", "profile", "pollIntervalMs", "relaxedPollIntervalMs", "fastPollingWindowSeconds",
                    ])
                {
                    config.devices[role] = try parseDevice(device, role: role)
                }
            }
        }
        if let flow = try root.child(
            "flow",
            allowed: [
                "timeoutsSeconds", "warningSeconds", "endScreenSeconds", "maximumCardAttempts",
                "maximumApplicationAttempts", "minimumAge", "handOffCategory",
            ])
        {
            try parseFlow(flow, into: &config.flow)
        }
        if let authority = try root.child(
            "authority", allowed: ["mode", "creditCodePrefix", "registrationAuthority", "licenceURLBase"])
        {
            let mode = try authority.oneOf("mode", AuthorityConfig.Mode.allCases.map(\.rawValue), default: "approve")
            config.authority.mode = AuthorityConfig.Mode(rawValue: mode) ?? .approve
            config.authority.modeIsExplicit = authority.has("mode")
            let prefix = try authority.string("creditCodePrefix", default: config.authority.creditCodePrefix)
            guard prefix.count == 8, prefix.allSatisfy({ CreditCodeValidator.alphabet.contains($0) }) else {
                throw authority.error(
                    "creditCodePrefix", "expected 8 credit-code characters (department, category, 6-digit region)")
            }
            config.authority.creditCodePrefix = prefix
            config.authority.registrationAuthority = try authority.string(
                "registrationAuthority", default: config.authority.registrationAuthority, maxLength: 200)
            config.authority.licenceURLBase = try authority.string(
                "licenceURLBase", default: config.authority.licenceURLBase, maxLength: 200)
            if config.authority.mode == .central && config.central.registration == nil {
                throw authority.error("mode", "\"central\" needs central.registration (its url and tokenFile)")
            }
        }
        if let identity = try root.child("identity", allowed: ["faceVerification"]) {
            // Off until the camera and the identity service are set up (docs/face-verification.md).
            let mode = try identity.oneOf(
                "faceVerification", FaceVerificationMode.allCases.map(\.rawValue), default: "off")
            config.flow.faceVerification = FaceVerificationMode(rawValue: mode) ?? .off
            config.faceVerificationIsExplicit = identity.has("faceVerification")
        }
        if let log = try root.child("log", allowed: ["level"]) {
            let level = try log.oneOf("level", LogLevel.allCases.map(\.name), default: "info")
            config.logLevel = LogLevel.allCases.first { $0.name == level } ?? .info
        }
        try parseMaintenance(root, into: &config)
        try parseHotplug(root, into: &config)
        return config
    }

    /// `receipt`, `licence`, `store`, `retention` and `backup`.
    private static func parseMaintenance(_ root: ConfigReader, into config: inout DaemonConfig) throws(ConfigError) {
        if let receipt = try root.child("receipt", allowed: ["qrURLBase"]) {
            let base = try receipt.string("qrURLBase", default: config.receipt.qrURLBase, maxLength: 200)
            guard base.hasPrefix("https://") || base.hasPrefix("http://"), base.count > "https://".count,
                !base.contains(where: { $0.isWhitespace || !$0.isASCII })
            else {
                throw receipt.error(
                    "qrURLBase", "expected an http:// or https:// URL of ASCII characters without spaces, got '\(base)'"
                )
            }
            config.receipt.qrURLBase = base
        }
        if let licence = try root.child("licence", allowed: LicenceFontConfig.keys.union(["printDeadlineSeconds"])) {
            config.licence.printDeadline = try licence.seconds(
                "printDeadlineSeconds", in: 30...3600, default: Double(config.licence.printDeadline.components.seconds))
            config.licence.fonts = try LicenceFontConfig(licence)
        }
        if let store = try root.child("store", allowed: ["maximumSizeMB"]) {
            config.store.maximumSizeMB = try store.integer(
                "maximumSizeMB", in: 16...1_048_576, default: config.store.maximumSizeMB)
        }
        if let retention = try root.child("retention", allowed: ["personalDataDays"]) {
            config.retention.personalDataDays = try retention.integer(
                "personalDataDays", in: 1...3650, default: config.retention.personalDataDays)
        }
        if let simulation = try root.child("simulation", allowed: SimulationConfig.keys) {
            config.simulation = try parseSimulation(simulation)
        }
        if let backup = try root.child("backup", allowed: ["keep"]) {
            config.backup.keep = try backup.integer("keep", in: 0...366, default: config.backup.keep)
        }
    }

    private static func parseDevice(_ device: ConfigReader, role: DeviceRole) throws(ConfigError) -> DeviceConfig {
        let transports =
            role == .licencePrinter
            ? ["cups"] : role == .idReader ? ["serial", "usb"] : ["serial", "tcp", "usblp", "usb"]
        let transport = try device.oneOf("transport", transports, default: role == .licencePrinter ? "cups" : nil)
        let endpoint: DeviceEndpoint
        switch transport {
        case "serial":
            let baud = try device.integer("baud", in: 9600...115200, default: 115200)
            guard [9600, 19200, 38400, 57600, 115200].contains(baud) else {
                throw device.error("baud", "expected one of 9600, 19200, 38400, 57600, 115200, got \(baud)")
            }
            endpoint = .serial(path: try device.string("path"), baud: baud)
        case "tcp":
            endpoint = .tcp(
                host: try device.string("host", maxLength: 253),
                port: try device.integer("port", in: 1...65535, default: 9100))
        case "usblp":
            endpoint = .usblp(path: try device.string("path"))
        case "usb":
            endpoint = .usb(
                vendorID: try hexID(device, "vendorID"), productID: try hexID(device, "productID"),
                serialNumber: try device.optionalString("serialNumber"))
        default:
            endpoint = .cups(
                queue: try device.string("queue", maxLength: 127), server: try device.optionalString("server"))
        }
        try device.refuseKeys(
            notIn: Set(["transport", "profile"]).union(pollingKeys).union(transportKeys[transport] ?? []),
            because: "does not apply to transport '\(transport)'")
        let profile = try device.optionalString("profile")
        switch role {
        case .receiptPrinter, .ticketDispenser:
            if let profile, PrinterProfile.named(profile) == nil {
                throw device.error(
                    "profile",
                    "unknown printer profile '\(profile)'; expected one of "
                        + PrinterProfile.builtIn.map(\.name).joined(separator: ", "))
            }
        case .idReader, .licencePrinter, .camera:  // the camera is read by parseCamera, never here
            if profile != nil {
                throw device.error(
                    "profile",
                    role == .idReader
                        ? "the ID reader has no named profiles (its protocol follows from the transport); remove the key"
                        : "the licence printer's settings live in its CUPS queue; remove the key")
            }
        }
        for key in pollingKeys.sorted() where role != .idReader && device.has(key) {
            throw device.error(key, "only the ID reader polls; remove the key")
        }
        let poll = try device.integer(
            "pollIntervalMs", in: 50...5000, default: IDReaderProfile.defaultPollIntervalMilliseconds)
        let relaxed = try device.integer(
            "relaxedPollIntervalMs", in: 50...5000, default: IDReaderProfile.defaultRelaxedPollIntervalMilliseconds)
        let window = try device.seconds(
            "fastPollingWindowSeconds", in: 0...3600, default: Double(IDReaderProfile.defaultFastPollingWindowSeconds))
        return DeviceConfig(
            endpoint: endpoint, profile: profile, pollInterval: .milliseconds(poll),
            relaxedPollInterval: .milliseconds(relaxed), fastPollingWindow: window)
    }

    /// The ID reader's polling keys (docs/ARCHITECTURE.md §4.3); refused on other roles.
    private static let pollingKeys: Set<String> = [
        "pollIntervalMs", "relaxedPollIntervalMs", "fastPollingWindowSeconds",
    ]

    /// The keys each transport reads; any other (besides transport, profile and the polling keys) is refused.
    private static let transportKeys: [String: Set<String>] = [
        "serial": ["path", "baud"], "tcp": ["host", "port"], "usblp": ["path"],
        "usb": ["vendorID", "productID", "serialNumber"], "cups": ["queue", "server"],
    ]

    private static func hexID(_ device: ConfigReader, _ key: String) throws(ConfigError) -> UInt16 {
        let text = try device.string(key)
        let digits = text.hasPrefix("0x") ? String(text.dropFirst(2)) : text
        guard digits.count == 4, let value = UInt16(digits, radix: 16) else {
            throw device.error(key, "expected 4 hex digits such as \"0400\", got '\(text)'")
        }
        return value
    }

    private static func parseFlow(_ flow: ConfigReader, into policy: inout FlowPolicy) throws(ConfigError) {
        let steps = FlowPolicy.defaultTimeouts.keys.map(\.rawValue)
        if let timeouts = try flow.child("timeoutsSeconds", allowed: Set(steps)) {
            for step in FlowPolicy.defaultTimeouts.keys {
                let fallback = Double(policy.timeout(for: step).components.seconds)
                policy.stepTimeouts[step] = try timeouts.seconds(step.rawValue, in: 1...86_400, default: fallback)
            }
        }
        policy.warningLead = try flow.seconds(
            "warningSeconds", in: 0...600, default: Double(policy.warningLead.components.seconds))
        policy.endScreen = try flow.seconds(
            "endScreenSeconds", in: 0.1...600, default: Double(policy.endScreen.components.seconds))
        policy.maximumCardAttempts = try flow.integer(
            "maximumCardAttempts", in: 1...20, default: policy.maximumCardAttempts)
        policy.maximumApplicationAttempts = try flow.integer(
            "maximumApplicationAttempts", in: 1...20, default: policy.maximumApplicationAttempts)
        policy.minimumAge = try flow.integer("minimumAge", in: 16...100, default: policy.minimumAge)
        for step in FlowPolicy.defaultTimeouts.keys.sorted(by: { $0.rawValue < $1.rawValue })
        where policy.warningLead >= policy.timeout(for: step) {
            throw flow.error(
                "warningSeconds",
                "expected fewer seconds than every step's timeout, got \(policy.warningLead) but "
                    + "timeoutsSeconds.\(step.rawValue) is \(policy.timeout(for: step))")
        }
        let category = try flow.string("handOffCategory", default: policy.handOffCategory, maxLength: 4)
        // The category is also the ticket's prefix (Daemon builds QueueNumbering from it): check the rule now.
        do {
            _ = try QueueNumbering(prefixes: [category: category])
        } catch {
            throw flow.error(
                "handOffCategory", "expected 1–2 capital letters A–Z (the queue-ticket prefix), got '\(category)'")
        }
        policy.handOffCategory = category
    }
}
