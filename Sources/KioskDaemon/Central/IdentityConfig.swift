import KioskHTTP

/// `central.identity`: the central identity-verification service that compares the face at the terminal with the
/// card holder (docs/face-verification.md). Trusted exactly like the other central links (`CentreEndpoint`): an
/// https URL, a bearer token in a file of its own, the certificate pinned (`tls.pinSHA256`) or verified against the
/// system trust store.
public struct IdentityConfig: Sendable, Hashable {
    public var url: HTTPSURL
    public var tokenFile: String
    public var verification: PeerVerification
    /// One attempt's deadline (connect, TLS, send, answer); past it the attempt is `unavailable(timeout)`.
    public var timeout: Duration

    public static let defaultTimeoutSeconds = 10
    /// Kept below the flow's 30 s limit on the verifying step, so the verifier's answer arrives first.
    public static let timeoutSecondsRange = 1...25

    public init(
        url: HTTPSURL, tokenFile: String, verification: PeerVerification,
        timeout: Duration = .seconds(defaultTimeoutSeconds)
    ) {
        self.url = url
        self.tokenFile = tokenFile
        self.verification = verification
        self.timeout = timeout
    }

    init(_ reader: ConfigReader) throws(ConfigError) {
        let endpoint = try CentreEndpoint(reader)
        url = endpoint.url
        tokenFile = endpoint.tokenFile
        verification = endpoint.verification
        timeout = .seconds(
            try reader.integer("timeoutSeconds", in: Self.timeoutSecondsRange, default: Self.defaultTimeoutSeconds))
    }
}
