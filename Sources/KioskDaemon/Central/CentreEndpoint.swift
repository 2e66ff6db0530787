import KioskHTTP

/// What every outgoing link to the centre is configured with (`central.push`, `central.registration`): an https URL,
/// the file holding its bearer token, and how the centre's certificate is trusted — a pin (`tls.pinSHA256`), else the
/// system trust store.
struct CentreEndpoint {
    let url: HTTPSURL
    let tokenFile: String
    let verification: PeerVerification

    init(_ reader: ConfigReader) throws(ConfigError) {
        let text = try reader.string("url", maxLength: 2048)
        guard let url = HTTPSURL(text) else {
            throw reader.error("url", "expected an https:// URL (personal data travels only over TLS), got '\(text)'")
        }
        self.url = url
        tokenFile = try reader.string("tokenFile")
        var verification = PeerVerification.systemTrust
        if let tls = try reader.child("tls", allowed: ["pinSHA256"]), let pin = try tls.optionalString("pinSHA256") {
            guard let pinned = PeerVerification.pin(hex: pin) else {
                throw tls.error("pinSHA256", "expected 64 hex digits: the SHA-256 of a certificate's DER")
            }
            verification = pinned
        }
        self.verification = verification
    }
}
