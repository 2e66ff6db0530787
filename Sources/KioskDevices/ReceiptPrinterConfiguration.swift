import KioskIO

/// Where a receipt printer or dispenser is attached.
public enum PrinterEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// Raw TCP (port 9100 printers, or a simulator).
    case tcp(host: String, port: UInt16)
    /// RS-232 or a PTY.
    case serial(path: String, baudRate: Int)
    /// Linux usblp node, `/dev/usb/lpN`.
    case usblp(path: String)
    /// libusb on the printer-class interface.
    case usb(USBDeviceSelector)

    public var description: String {
        switch self {
        case .tcp(let host, let port): "tcp \(host):\(port)"
        case .serial(let path, let baud): "serial \(path) @\(baud)"
        case .usblp(let path): "usblp \(path)"
        case .usb(let selector): "\(selector)"
        }
    }

    /// Parses `tcp:HOST:PORT`, `serial:PATH[@BAUD]`, `usblp:PATH`, `usb:VID:PID` (hex), as config files and the CLI
    /// write them. Nil when the text fits none.
    public init?(parsing text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let scheme = text[..<colon]
        let rest = String(text[text.index(after: colon)...])
        switch scheme {
        case "tcp":
            guard let (host, port) = PrinterEndpoint.hostAndPort(rest) else { return nil }
            self = .tcp(host: host, port: port)
        case "serial":
            let parts = rest.split(separator: "@", maxSplits: 1)
            guard let path = parts.first, !path.isEmpty else { return nil }
            let baud = parts.count > 1 ? Int(parts[1]) : 115200
            guard let baud, SerialSettings.supportedBaudRates.contains(baud) else { return nil }
            self = .serial(path: String(path), baudRate: baud)
        case "usblp":
            guard !rest.isEmpty else { return nil }
            self = .usblp(path: rest)
        case "usb":
            let ids = rest.split(separator: ":")
            guard ids.count == 2, let vid = UInt16(ids[0], radix: 16), let pid = UInt16(ids[1], radix: 16) else {
                return nil
            }
            self = .usb(USBDeviceSelector(vendorID: vid, productID: pid))
        default:
            return nil
        }
    }

    /// `HOST:PORT` (IPv6 in brackets).
    public static func hostAndPort(_ text: String) -> (String, UInt16)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = UInt16(text[text.index(after: colon)...]), port != 0 else { return nil }
        return (host, port)
    }
}

/// A receipt printer's or dispenser's configuration: where it is and which profile it follows.
public struct PrinterConfiguration: Sendable, Equatable {
    public var endpoint: PrinterEndpoint
    public var profile: PrinterProfile
    /// How long opening the device may take.
    public var openTimeoutMilliseconds: Int
    /// Wraps every transport opened for this printer (kioskd's capture).
    public var transportTap: TransportTap?

    public init(endpoint: PrinterEndpoint, profile: PrinterProfile, openTimeoutMilliseconds: Int = 3000) {
        self.endpoint = endpoint
        self.profile = profile
        self.openTimeoutMilliseconds = openTimeoutMilliseconds
    }
}
