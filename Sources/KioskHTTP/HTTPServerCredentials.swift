import CCups
import Foundation
import KioskCore

/// The TLS certificate and key a server presents, in libcups' keystore layout: `<directory>/<commonName>.crt` and
/// `.key` (PEM). libcups keeps them per process (`cupsSetServerCredentials` is global), so one process serves TLS
/// with one set: a second, different set in the same process is refused.
///
/// `HTTPServer` makes libcups pick these for every client (see its `startTLS`): left alone, libcups would look up
/// the local address's host name for a non-loopback client and want `<hostname>.crt`.
public struct HTTPServerCredentials: Sendable, Hashable {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public let directory: String
    public let commonName: String

    public init(directory: String, commonName: String) {
        self.directory = directory
        self.commonName = commonName
    }

    public var certificatePath: String { "\(directory)/\(commonName).crt" }
    public var keyPath: String { "\(directory)/\(commonName).key" }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed: HTTPServerCredentials?

    /// Makes these the process's server credentials, creating a self-signed pair (10 years, for `commonName` and
    /// `localhost`, via `cupsMakeServerCredentials`) first if the files are missing; the key is made mode 0600.
    /// Calling it again with the same values is a no-op.
    public func install() throws(Failure) {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        do {
            if let current = Self.installed {
                guard current == self else {
                    throw Failure(
                        description:
                            "this process already serves TLS as \(current.certificatePath); libcups keeps one set of "
                            + "server credentials per process")
                }
                return
            }
            guard commonName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") })
            else { throw Failure(description: "TLS common name '\(commonName)' must be letters, digits, '.', '-'") }
            var info = stat()
            if stat(certificatePath, &info) != 0 || stat(keyPath, &info) != 0 {
                let expiry = time(nil) + 10 * 365 * 86400
                guard cupsMakeServerCredentials(directory, commonName, 0, nil, expiry) != 0 else {
                    throw Failure(
                        description:
                            "cannot create TLS credentials in \(directory): \(String(cString: cupsLastErrorString()))")
                }
            }
            _ = chmod(keyPath, 0o600)
            guard cupsSetServerCredentials(directory, commonName, 0) != 0 else {
                throw Failure(description: "libcups refused the TLS credentials in \(directory)")
            }
            Self.installed = self
        }
    }

    /// The lower-case hex SHA-256 of the certificate's DER (what `openssl x509 -fingerprint -sha256` shows, without
    /// the colons): what a client pins.
    public func certificateSHA256() throws(Failure) -> String {
        guard let pem = try? String(contentsOfFile: certificatePath, encoding: .utf8) else {
            throw Failure(description: "cannot read \(certificatePath)")
        }
        let lines = pem.split(whereSeparator: \.isNewline)
        guard let begin = lines.firstIndex(of: "-----BEGIN CERTIFICATE-----"),
            let end = lines[begin...].firstIndex(of: "-----END CERTIFICATE-----"),
            let der = Data(base64Encoded: lines[(begin + 1)..<end].joined())
        else { throw Failure(description: "\(certificatePath) holds no PEM certificate") }
        return SHA256.hex(of: Array(der))
    }
}
