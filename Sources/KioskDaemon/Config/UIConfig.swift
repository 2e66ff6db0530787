import Foundation

/// `ui.*` in the config: where kioskd serves the citizen's touch UI (docs/ui-api.md). Loopback only: the page and
/// its API are for the terminal's own browser.
public struct UIConfig: Sendable, Hashable {
    public struct Listen: Sendable, Hashable, CustomStringConvertible {
        /// The IPv4 address bound (`localhost` binds 127.0.0.1).
        public var host: String
        /// 0 picks a free port (under `--simulate` unless one is configured).
        public var port: UInt16

        public init(host: String, port: UInt16) {
            self.host = host
            self.port = port
        }

        public var description: String { "\(host):\(port)" }
    }

    /// nil = `"listen": "off"`: no UI.
    public var listen: Listen?
    /// Whether `ui.listen` was in the file (else `--simulate` takes an ephemeral port).
    public var listenIsExplicit = false
    /// How often a quiet stream sends `: heartbeat` (`ui.heartbeatMs`, for tests; the page gives up after 20 s).
    public var heartbeat: Duration = .seconds(10)

    public static let defaultListen = Listen(host: "127.0.0.1", port: 8080)

    public init(listen: Listen? = UIConfig.defaultListen) { self.listen = listen }

    init(_ reader: ConfigReader) throws(ConfigError) {
        listen = Self.defaultListen
        if reader.has("listen") {
            listenIsExplicit = true
            listen = try Self.parseListen(try reader.string("listen", maxLength: 64), reader: reader)
        }
        let milliseconds = try reader.integer("heartbeatMs", in: 50...15_000, default: 10_000)
        heartbeat = .milliseconds(milliseconds)
    }

    /// `"off"`, or `HOST:PORT` with HOST `localhost` or an IPv4 address in 127.0.0.0/8.
    static func parseListen(_ text: String, reader: ConfigReader) throws(ConfigError) -> Listen? {
        if text == "off" { return nil }
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            throw reader.error("listen", "expected \"127.0.0.1:PORT\", \"localhost:PORT\" or \"off\", got '\(text)'")
        }
        let host = String(text[..<colon])
        if host.lowercased() == "localhost" { return Listen(host: "127.0.0.1", port: port) }
        var address = in_addr()
        guard inet_pton(AF_INET, host, &address) == 1, host.hasPrefix("127.") else {
            throw reader.error(
                "listen",
                "'\(host)' is not a loopback address; the touch UI is served only on 127.0.0.0/8 or localhost")
        }
        return Listen(host: host, port: port)
    }
}
