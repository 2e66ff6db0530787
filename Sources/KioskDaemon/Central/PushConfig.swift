import Foundation
import KioskHTTP

/// `central.push`: where kioskd pushes completed transactions (`POST` of CloudEvents batches).
public struct PushConfig: Sendable, Hashable {
    public var url: HTTPSURL
    /// The file holding the bearer token (mode 0600, read at start); the token itself is never in the config.
    public var tokenFile: String
    /// How the centre's certificate is trusted: a pin (`tls.pinSHA256`), else the system trust store.
    public var verification: PeerVerification
    /// Events per POST.
    public var batchSize: Int
    /// One request's deadline (connect, TLS, send, answer).
    public var requestTimeout: Duration

    public init(
        url: HTTPSURL, tokenFile: String, verification: PeerVerification, batchSize: Int = 100,
        requestTimeout: Duration = .seconds(30)
    ) {
        self.url = url
        self.tokenFile = tokenFile
        self.verification = verification
        self.batchSize = batchSize
        self.requestTimeout = requestTimeout
    }

    init(_ reader: ConfigReader) throws(ConfigError) {
        let endpoint = try CentreEndpoint(reader)
        url = endpoint.url
        tokenFile = endpoint.tokenFile
        verification = endpoint.verification
        batchSize = try reader.integer("batchSize", in: 1...1000, default: 100)
        requestTimeout = .seconds(try reader.integer("timeoutSeconds", in: 1...300, default: 30))
    }

    /// The token from `tokenFile`, which must be a regular file of mode 0600 (or stricter) owned by this user.
    func readToken() throws -> String { try TokenFile.read(tokenFile, key: "central.push.tokenFile") }
}

/// A bearer token kept in a file of its own, never in the config.
enum TokenFile {
    /// The token in `path` (`key` names it in errors), which must be a regular file of this user with no access
    /// for group or others. The token never appears in an error.
    static func read(_ path: String, key: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { throw PushConfigError(description: "cannot read \(key) \(path)") }
        guard info.st_mode & S_IFMT == S_IFREG, info.st_mode & 0o077 == 0, info.st_uid == geteuid() else {
            throw PushConfigError(description: "\(key) \(path) must be a file of this user with mode 0600")
        }
        let token = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty, !token.contains(where: { $0.isWhitespace || !$0.isASCII }) else {
            throw PushConfigError(description: "\(key) \(path) holds no usable token")
        }
        return token
    }
}

struct PushConfigError: Error, CustomStringConvertible {
    let description: String
}
