import Foundation
import KioskCore

/// One device role's configuration.
public struct DeviceConfig: Sendable, Hashable {
    public var endpoint: DeviceEndpoint
    /// The device profile (quirks) by name; nil = the role's default profile.
    public var profile: String?
    /// ID reader: how often to poll for a card.
    public var pollInterval: Duration

    public init(endpoint: DeviceEndpoint, profile: String? = nil, pollInterval: Duration = .milliseconds(250)) {
        self.endpoint = endpoint
        self.profile = profile
        self.pollInterval = pollInterval
    }
}

/// How the embedded rules-based registration authority behaves (simulation and bench use).
public struct AuthorityConfig: Sendable, Hashable {
    public enum Mode: String, Sendable, Hashable { case approve, reject, unavailable }
    public var mode: Mode
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

/// kioskd's configuration, read from a JSON file. Every key is checked; errors name the key and what it expected.
public struct DaemonConfig: Sendable {
    public var kioskID: String
    public var stateDirectory: String
    public var runtimeDirectory: String
    public var devices: [DeviceRole: DeviceConfig]
    public var flow: FlowPolicy
    public var authority: AuthorityConfig
    public var logLevel: LogLevel
    /// Where completed transactions are pushed (nil = pull only).
    public var centralURL: String?

    public init(
        kioskID: String = "KIOSK-SIM-01", stateDirectory: String = "/var/lib/kioskd",
        runtimeDirectory: String = "/run/kioskd", devices: [DeviceRole: DeviceConfig] = [:],
        flow: FlowPolicy = FlowPolicy(), authority: AuthorityConfig = AuthorityConfig(),
        logLevel: LogLevel = .info, centralURL: String? = nil
    ) {
        self.kioskID = kioskID
        self.stateDirectory = stateDirectory
        self.runtimeDirectory = runtimeDirectory
        self.devices = devices
        self.flow = flow
        self.authority = authority
        self.logLevel = logLevel
        self.centralURL = centralURL
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
            throw ConfigError(file: file, keyPath: "", problem: "not valid JSON (\(error.localizedDescription))")
        }
        guard let object = json as? [String: Any] else {
            throw ConfigError(file: file, keyPath: "", problem: "the top level must be a JSON object")
        }
        let root = try ConfigReader(
            file: file, path: "", object: object,
            allowed: [
                "kioskID", "stateDirectory", "runtimeDirectory", "timeZone", "devices", "flow", "authority", "log",
                "centralURL",
            ])
        var config = DaemonConfig()
        config.kioskID = try root.string("kioskID", maxLength: 64)
        guard config.kioskID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw root.error("kioskID", "use letters, digits, '-' and '_' only")
        }
        config.stateDirectory = try root.string("stateDirectory", default: config.stateDirectory)
        config.runtimeDirectory = try root.string("runtimeDirectory", default: config.runtimeDirectory)
        config.centralURL = try root.optionalString("centralURL")
        if let zone = try root.optionalString("timeZone") {
            guard let timeZone = TimeZone(identifier: zone) else {
                throw root.error("timeZone", "unknown time zone '\(zone)'")
            }
            config.flow.timeZone = timeZone
        }
        if let devices = try root.child("devices", allowed: Set(DeviceRole.allCases.map(\.rawValue))) {
            for role in DeviceRole.allCases {
                if let device = try devices.child(
                    role.rawValue,
                    allowed: [
                        "transport", "path", "baud", "host", "port", "vendorID", "productID", "serialNumber", "queue",
                        "server", "profile", "pollIntervalMs",
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
            let mode = try authority.oneOf("mode", ["approve", "reject", "unavailable"], default: "approve")
            config.authority.mode = AuthorityConfig.Mode(rawValue: mode) ?? .approve
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
        }
        if let log = try root.child("log", allowed: ["level"]) {
            let level = try log.oneOf("level", LogLevel.allCases.map(\.name), default: "info")
            config.logLevel = LogLevel.allCases.first { $0.name == level } ?? .info
        }
        return config
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
        let poll = try device.integer("pollIntervalMs", in: 50...5000, default: 250)
        return DeviceConfig(
            endpoint: endpoint, profile: try device.optionalString("profile"), pollInterval: .milliseconds(poll))
    }

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
        policy.handOffCategory = try flow.string("handOffCategory", default: policy.handOffCategory, maxLength: 4)
    }
}
