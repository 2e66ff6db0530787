import Foundation

/// `central.*` in the config: the link to the central server. Absent keys leave the link off.
public struct CentralConfig: Sendable, Hashable {
    /// `central.pull`: the pull API listener; nil = not listening.
    public var pull: PullConfig?
    /// `central.push`: pushing transactions to the centre; nil = off.
    public var push: PushConfig?
    /// `central.registration`: the central registration service, for `CentralAuthority`; nil = not configured.
    public var registration: RegistrationConfig?
    /// `central.metrics`: a second listener for `/metrics` and `/healthz` only; nil = none.
    public var metrics: MetricsListenConfig?
    /// `central.identity`: the identity-verification service of the face comparison; nil = not configured.
    public var identity: IdentityConfig?

    public init(
        pull: PullConfig? = nil, push: PushConfig? = nil, registration: RegistrationConfig? = nil,
        metrics: MetricsListenConfig? = nil, identity: IdentityConfig? = nil
    ) {
        self.pull = pull
        self.push = push
        self.registration = registration
        self.metrics = metrics
        self.identity = identity
    }

    /// Whether the centre collects transactions from this kiosk at all (then retention counts from its
    /// acknowledgement).
    public var isLinked: Bool { pull != nil || push != nil }

    init(_ reader: ConfigReader) throws(ConfigError) {
        if let pull = try reader.child("pull", allowed: ["listen", "tls", "tokenSHA256"]) {
            self.pull = try PullConfig(pull)
        }
        if let push = try reader.child("push", allowed: ["url", "tokenFile", "tls", "batchSize", "timeoutSeconds"]) {
            self.push = try PushConfig(push)
        }
        if let registration = try reader.child("registration", allowed: ["url", "tokenFile", "tls", "timeoutSeconds"]) {
            self.registration = try RegistrationConfig(registration)
        }
        if let metrics = try reader.child("metrics", allowed: ["listen"]) {
            let (host, port) = try ListenAddress.parse(metrics, "listen")
            self.metrics = MetricsListenConfig(host: host, port: port)
        }
        if let identity = try reader.child("identity", allowed: ["url", "tokenFile", "tls", "timeoutSeconds"]) {
            self.identity = try IdentityConfig(identity)
        }
    }
}

/// `central.metrics`: where a scraper reads `/metrics` (and a monitor `/healthz`) without reaching the pull API.
/// Plain HTTP, as Prometheus scrapes: nothing served there is personal or secret (docs/ARCHITECTURE.md §9).
public struct MetricsListenConfig: Sendable, Hashable {
    public var host: String
    /// 0 picks a free port (tests), which the log line names.
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }
}

/// An `IPV4:PORT` listen address in the config.
enum ListenAddress {
    static func parse(_ reader: ConfigReader, _ key: String) throws(ConfigError) -> (host: String, port: UInt16) {
        let listen = try reader.string(key, maxLength: 64)
        guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]) else {
            throw reader.error(key, "expected IPV4:PORT such as \"0.0.0.0:8443\", got '\(listen)'")
        }
        let host = String(listen[..<colon])
        var address = in_addr()
        guard inet_pton(AF_INET, host, &address) == 1 else {
            throw reader.error(key, "'\(host)' is not an IPv4 address (IPv6 is not served yet)")
        }
        return (host, port)
    }
}

/// `central.pull`: where the centre pulls transactions from.
public struct PullConfig: Sendable, Hashable {
    /// IPv4 address to bind (`0.0.0.0` for every interface).
    public var host: String
    /// Port; 0 picks a free one (tests), which the log line then names.
    public var port: UInt16
    /// TLS, unless the address is loopback and `"tls": "off"` was set.
    public var tls: Bool
    /// `"tls": {"certificate": PATH, "key": PATH}` (PEM; the certificate file may hold its chain after it); nil =
    /// self-signed credentials created once in the state directory.
    public var certificate: CertificateFiles?

    public struct CertificateFiles: Sendable, Hashable {
        public var certificate: String
        public var key: String

        public init(certificate: String, key: String) {
            self.certificate = certificate
            self.key = key
        }
    }
    /// SHA-256 of each accepted bearer token (32 bytes each); the tokens themselves are never configured.
    public var tokenSHA256: [[UInt8]]

    public init(
        host: String, port: UInt16, tls: Bool, tokenSHA256: [[UInt8]], certificate: CertificateFiles? = nil
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.tokenSHA256 = tokenSHA256
        self.certificate = certificate
    }

    init(_ reader: ConfigReader) throws(ConfigError) {
        let (host, port) = try ListenAddress.parse(reader, "listen")
        self.host = host
        self.port = port
        let loopback = host.hasPrefix("127.")
        // "tls" is "on" (the default), "off" (loopback only) or {"certificate": PATH, "key": PATH}.
        if reader.has("tls"), (try? reader.string("tls")) == nil {
            let files = try reader.child("tls", allowed: ["certificate", "key"])
            self.certificate = try files.map { (files) throws(ConfigError) in
                CertificateFiles(
                    certificate: try files.string("certificate", maxLength: 1024),
                    key: try files.string("key", maxLength: 1024))
            }
            self.tls = true
        } else {
            let tls = try reader.oneOf("tls", ["on", "off"], default: "on")
            if tls == "off" && !loopback {
                throw reader.error(
                    "tls", "\"off\" is allowed only on a loopback address; personal data travels only over TLS")
            }
            self.tls = tls == "on"
            self.certificate = nil
        }
        guard let hashes = try reader.optionalStrings("tokenSHA256", maxLength: 64), !hashes.isEmpty else {
            throw reader.error("tokenSHA256", "missing; expected the hex SHA-256 of each accepted bearer token")
        }
        var digests: [[UInt8]] = []
        for (index, hash) in hashes.enumerated() {
            guard let digest = Self.hexBytes(hash), digest.count == 32 else {
                throw reader.error("tokenSHA256[\(index)]", "expected 64 hex digits (a SHA-256), not a token")
            }
            digests.append(digest)
        }
        self.tokenSHA256 = digests
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = 0
        while index < digits.count {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
