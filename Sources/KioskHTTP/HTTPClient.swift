import CCups
import CGnuTLS
import Foundation
import Glibc
import KioskCore
import KioskIO

/// An `https://HOST[:PORT]/PATH` address (no user info, no fragment). Only HTTPS: personal data travels over TLS.
public struct HTTPSURL: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: UInt16
    /// The path and query, starting with `/`.
    public let resource: String

    public init(host: String, port: UInt16, resource: String) {
        self.host = host
        self.port = port
        self.resource = resource
    }

    /// Parses `text`; nil unless it is an `https` URL with a host.
    public init?(_ text: String) {
        guard let components = URLComponents(string: text), components.scheme?.lowercased() == "https",
            let host = components.host, !host.isEmpty, components.user == nil, components.fragment == nil
        else { return nil }
        let port = components.port ?? 443
        guard port > 0, port <= 65535 else { return nil }
        self.host = host
        self.port = UInt16(port)
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        self.resource = path + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    public var description: String { "https://\(host):\(port)\(resource)" }
}

/// How a client decides to trust the server it reached.
public enum PeerVerification: Sendable, Hashable {
    /// The chain the server sent must contain a certificate whose DER hashes (SHA-256) to these 32 bytes — the
    /// server's own certificate or any issuer in its chain.
    case pinSHA256([UInt8])
    /// The chain must verify against the system's trust store (GnuTLS's system trust, on Debian
    /// `/etc/ssl/certs/ca-certificates.crt`) and name `host`.
    case systemTrust

    /// `.pinSHA256` from 64 hex digits (either case, colons allowed as `openssl` prints them); nil otherwise.
    public static func pin(hex: String) -> PeerVerification? {
        let digits = Array(hex.utf8.filter { $0 != UInt8(ascii: ":") })
        guard digits.count == 64, digits.allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }) else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: 64, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
        }
        return .pinSHA256(bytes)
    }
}

/// A response as the client got it, bounded in size.
public struct HTTPClientResponse: Sendable {
    public let status: Int
    public let contentType: String?
    /// `Retry-After` as sent (delta-seconds or an HTTP date).
    public let retryAfter: String?
    public let body: [UInt8]

    /// `Retry-After` in seconds from now, if it was sent in either form; never negative.
    public var retryAfterSeconds: Int? {
        guard let retryAfter = retryAfter?.trimmingCharacters(in: .whitespaces), !retryAfter.isEmpty else {
            return nil
        }
        if retryAfter.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return Int(retryAfter.prefix(9)) }
        let date = httpGetDateTime(retryAfter)
        guard date > 0 else { return nil }
        return max(0, Int(date - time(nil)))
    }
}

/// Why a request got no response.
public struct HTTPClientError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable, Hashable {
        /// No TCP connection or no TLS session (refused, unreachable, handshake failed).
        case connect
        /// The TLS peer did not pass `PeerVerification`; nothing was sent to it.
        case untrustedPeer
        /// The deadline passed.
        case timedOut
        /// The connection failed while the request was sent or the response read.
        case io
        /// The response body is larger than allowed.
        case responseTooLarge
    }

    public let kind: Kind
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}

/// An HTTPS client on libcups' `http_t`: one connection per request, TLS always, the peer verified before anything
/// is sent. Every call blocks its thread (socket I/O and the handshake) — run it on a thread of its own, never on
/// the concurrency pool.
///
/// What verifies the peer: libcups 2.4 (GnuTLS) does not verify the server's certificate during its client
/// handshake, and its `httpCredentialsGetTrust` is trust on first use against `~/.cups/ssl` (accepting a
/// self-signed certificate it has never seen with the default client.conf) — it never consults a CA store. So the
/// decision is ours, made on the chain libcups hands over (`httpCopyCredentials`, DER certificates, the server's
/// first): a pin must match one certificate of it; without a pin, GnuTLS's trust list verifies it against the
/// system CAs and the host name.
public enum HTTPClient {
    public static let defaultMaximumResponseBytes = 1 << 20

    /// Sends one request and reads the whole response before `deadline` (connect, handshake, send, response).
    /// `bearerToken` goes in `Authorization: Bearer`; never log it.
    public static func send(
        _ method: HTTPMethod, _ url: HTTPSURL, contentType: String? = nil, bearerToken: String? = nil,
        body: [UInt8] = [], verification: PeerVerification, deadline: Deadline,
        maximumResponseBytes: Int = defaultMaximumResponseBytes
    ) throws(HTTPClientError) -> HTTPClientResponse {
        guard method == .get || method == .post else {
            throw HTTPClientError(.io, "only GET and POST are sent")
        }
        let waitMilliseconds = max(1, Int32(clamping: deadline.remaining.components.seconds * 1000 + 1))
        guard
            let http = httpConnect2(
                url.host, Int32(url.port), nil, AF_UNSPEC, HTTP_ENCRYPTION_ALWAYS, 1, waitMilliseconds, nil)
        else {
            let reason = String(cString: cupsLastErrorString())
            if deadline.hasPassed {
                throw HTTPClientError(.timedOut, "no TLS connection to \(url.host):\(url.port) in time")
            }
            throw HTTPClientError(.connect, "cannot connect to \(url.host):\(url.port) over TLS: \(reason)")
        }
        defer { httpClose(http) }
        let waiter = DeadlineWaiter(deadline)
        let context = Unmanaged.passRetained(waiter)
        defer { context.release() }
        httpSetTimeout(http, 0.2, clientKeepWaiting, context.toOpaque())

        try verifyPeer(http, host: url.host, verification)

        httpClearFields(http)
        httpSetField(http, HTTP_FIELD_ACCEPT_ENCODING, "identity")
        if let contentType { httpSetField(http, HTTP_FIELD_CONTENT_TYPE, contentType) }
        if let bearerToken { httpSetField(http, HTTP_FIELD_AUTHORIZATION, "Bearer " + bearerToken) }
        if method == .post { httpSetLength(http, body.count) }
        let sent = method == .post ? httpPost(http, url.resource) : httpGet(http, url.resource)
        guard sent == 0 else { throw failure(waiter, "cannot send the request to \(url.host)") }
        if !body.isEmpty {
            let written = body.withUnsafeBytes {
                httpWrite2(http, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
            }
            guard written == body.count else { throw failure(waiter, "cannot send the request body to \(url.host)") }
        }
        var status: http_status_t
        repeat { status = httpUpdate(http) } while status == HTTP_STATUS_CONTINUE
        guard status.rawValue >= 100 else { throw failure(waiter, "no response from \(url.host)") }

        let contentType = field(http, HTTP_FIELD_CONTENT_TYPE)
        let retryAfter = field(http, HTTP_FIELD_RETRY_AFTER)
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes {
                httpRead2(http, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
            }
            if count == 0 { break }
            guard count > 0 else { throw failure(waiter, "the response from \(url.host) was cut short") }
            received += chunk[0..<count]
            if received.count > maximumResponseBytes {
                throw HTTPClientError(
                    .responseTooLarge, "the response from \(url.host) is larger than \(maximumResponseBytes) bytes")
            }
        }
        return HTTPClientResponse(
            status: Int(status.rawValue), contentType: contentType, retryAfter: retryAfter, body: received)
    }

    /// The server's chain as libcups received it: DER certificates, the server's own first.
    static func peerChain(_ http: OpaquePointer) -> [[UInt8]] {
        var credentials: OpaquePointer?
        guard httpCopyCredentials(http, &credentials) == 0, let credentials else { return [] }
        defer { httpFreeCredentials(credentials) }
        var chain: [[UInt8]] = []
        var element = cupsArrayFirst(credentials)
        while let pointer = element {
            let credential = pointer.assumingMemoryBound(to: http_credential_t.self).pointee
            if let data = credential.data, credential.datalen > 0 {
                chain.append(Array(UnsafeRawBufferPointer(start: data, count: credential.datalen)))
            }
            element = cupsArrayNext(credentials)
        }
        return chain
    }

    private static func verifyPeer(
        _ http: OpaquePointer, host: String, _ verification: PeerVerification
    ) throws(HTTPClientError) {
        let chain = peerChain(http)
        guard !chain.isEmpty else {
            throw HTTPClientError(.untrustedPeer, "\(host) presented no certificate; refused")
        }
        switch verification {
        case .pinSHA256(let pin):
            guard chain.contains(where: { SHA256.digest($0) == pin }) else {
                throw HTTPClientError(
                    .untrustedPeer,
                    "no certificate in the chain of \(host) matches the pinned SHA-256 (the server's is "
                        + "\(SHA256.hex(of: chain[0]))); refused")
            }
        case .systemTrust:
            if let problem = SystemTrust.verify(chain, host: host) {
                throw HTTPClientError(
                    .untrustedPeer,
                    "the certificate of \(host) is not trusted by the system (\(problem)); set a pinSHA256 to trust "
                        + "a private centre; refused")
            }
        }
    }

    private static func failure(_ waiter: DeadlineWaiter, _ message: String) -> HTTPClientError {
        waiter.timedOut ? HTTPClientError(.timedOut, message + ": timed out") : HTTPClientError(.io, message)
    }

    private static func field(_ http: OpaquePointer, _ field: http_field_t) -> String? {
        guard let value = httpGetField(http, field) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}

/// The chain checked with GnuTLS's trust list over the system CAs, for `host`.
enum SystemTrust {
    /// nil when the chain verifies; else why not.
    static func verify(_ chain: [[UInt8]], host: String) -> String? {
        var list: gnutls_x509_trust_list_t?
        guard gnutls_x509_trust_list_init(&list, 0) == 0, let list else { return "GnuTLS trust list unavailable" }
        defer { gnutls_x509_trust_list_deinit(list, 1) }
        guard gnutls_x509_trust_list_add_system_trust(list, 0, 0) > 0 else { return "no system trust store" }
        var certificates: [gnutls_x509_crt_t?] = []
        defer { for certificate in certificates { gnutls_x509_crt_deinit(certificate) } }
        for der in chain {
            var certificate: gnutls_x509_crt_t?
            guard gnutls_x509_crt_init(&certificate) == 0 else { return "GnuTLS cannot allocate a certificate" }
            certificates.append(certificate)
            var bytes = der
            let imported = bytes.withUnsafeMutableBufferPointer { buffer in
                var datum = gnutls_datum_t(data: buffer.baseAddress, size: UInt32(buffer.count))
                return gnutls_x509_crt_import(certificate, &datum, GNUTLS_X509_FMT_DER)
            }
            guard imported == 0 else { return "a certificate in the chain does not parse" }
        }
        var output: UInt32 = 0
        var hostname = Array(host.utf8CString).map { UInt8(bitPattern: $0) }
        let result = hostname.withUnsafeMutableBufferPointer { name in
            var purpose = gnutls_typed_vdata_st(type: GNUTLS_DT_DNS_HOSTNAME, data: name.baseAddress, size: 0)
            return certificates.withUnsafeMutableBufferPointer { list_ in
                gnutls_x509_trust_list_verify_crt2(
                    list, list_.baseAddress, UInt32(list_.count), &purpose, 1, 0, &output, nil)
            }
        }
        guard result == 0 else { return "GnuTLS verification failed" }
        guard output == 0 else {
            var text = gnutls_datum_t()
            guard gnutls_certificate_verification_status_print(output, GNUTLS_CRT_X509, &text, 0) == 0,
                let data = text.data
            else { return "status \(output)" }
            defer { free(data) }  // GnuTLS allocates with malloc unless told otherwise
            return String(cString: UnsafeRawPointer(data).assumingMemoryBound(to: CChar.self))
        }
        return nil
    }
}

/// The deadline libcups' wait callback checks between 0.2 s slices.
private final class DeadlineWaiter: @unchecked Sendable {
    let deadline: Deadline
    private let lock = NSLock()
    private var expired = false

    init(_ deadline: Deadline) { self.deadline = deadline }

    var timedOut: Bool { lock.withLock { expired } }

    func keepWaiting() -> Bool {
        if deadline.hasPassed {
            lock.withLock { expired = true }
            return false
        }
        return true
    }
}

private func clientKeepWaiting(_ http: OpaquePointer?, _ data: UnsafeMutableRawPointer?) -> Int32 {
    guard let data else { return 0 }
    return Unmanaged<DeadlineWaiter>.fromOpaque(data).takeUnretainedValue().keepWaiting() ? 1 : 0
}
