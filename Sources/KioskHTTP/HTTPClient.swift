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

/// An HTTPS client on libcups' `http_t`: TLS always, the peer verified before anything is sent. Every call blocks
/// its thread (socket I/O and the handshake) — run it on a thread of its own, never on the concurrency pool.
///
/// `send` makes one connection per request; a caller that talks to the same server again and again (the pusher, a
/// centre pulling page after page) keeps an `HTTPClientConnection` instead, which saves a TLS handshake per request.
///
/// What verifies the peer: libcups 2.4 (GnuTLS) does not verify the server's certificate during its client
/// handshake, and its `httpCredentialsGetTrust` is trust on first use against `~/.cups/ssl` (accepting a
/// self-signed certificate it has never seen with the default client.conf) — it never consults a CA store. So the
/// decision is ours, made on the chain libcups hands over (`httpCopyCredentials`, DER certificates, the server's
/// first): a pin must match one certificate of it; without a pin, GnuTLS's trust list verifies it against the
/// system CAs and the host name.
public enum HTTPClient {
    public static let defaultMaximumResponseBytes = 1 << 20

    /// Sends one request on a connection of its own and reads the whole response before `deadline` (connect,
    /// handshake, send, response). `bearerToken` goes in `Authorization: Bearer`; never log it.
    public static func send(
        _ method: HTTPMethod, _ url: HTTPSURL, contentType: String? = nil, bearerToken: String? = nil,
        body: [UInt8] = [], verification: PeerVerification, deadline: Deadline,
        maximumResponseBytes: Int = defaultMaximumResponseBytes
    ) throws(HTTPClientError) -> HTTPClientResponse {
        let connection = HTTPClientConnection(host: url.host, port: url.port, verification: verification)
        defer { connection.close() }
        return try connection.send(
            method, url.resource, contentType: contentType, bearerToken: bearerToken, body: body, deadline: deadline,
            maximumResponseBytes: maximumResponseBytes, retryOnStaleConnection: false)
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

    static func verifyPeer(
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
}

/// One kept-alive HTTPS connection to `host:port`: made (and its peer verified) on the first request, reused for
/// the next while the server keeps it open, made again when it did not. One request at a time (callers on several
/// threads take turns).
///
/// A connection is reused only after a complete response below 400 that did not say `Connection: close`: libcups'
/// `http_send` reconnects by itself after an error or a 4xx/5xx, and such a new connection would carry the request
/// to a peer nobody verified — so after those the connection is closed and the next request makes and verifies a
/// new one. Before reuse, an idle connection the server has closed (its keep-alive timeout) is noticed (readable
/// with nothing expected) and replaced. A request that fails on a reused connection before any response arrived is
/// sent once more on a new one: the server may have closed it as the request went out. That repeat is safe for what
/// kioskd sends — pages are reads, acknowledgements are idempotent, pushed events and registrations are
/// de-duplicated by the centre (docs/ARCHITECTURE.md §9).
public final class HTTPClientConnection: @unchecked Sendable {
    public let host: String
    public let port: UInt16
    public let verification: PeerVerification

    private let lock = NSLock()
    private var http: OpaquePointer?
    private let waiter = DeadlineWaiter()
    private var made = 0

    public init(host: String, port: UInt16, verification: PeerVerification) {
        self.host = host
        self.port = port
        self.verification = verification
    }

    deinit { if let http { httpClose(http) } }

    /// TLS connections made so far (each one a handshake and a verification).
    public var connectionsMade: Int { lock.withLock { made } }

    /// Closes the connection; the next request makes a new one.
    public func close() { lock.withLock { drop() } }

    /// Sends `method resource` and reads the whole response before `deadline`. `bearerToken` goes in
    /// `Authorization: Bearer`; never log it.
    public func send(
        _ method: HTTPMethod, _ resource: String, contentType: String? = nil, bearerToken: String? = nil,
        body: [UInt8] = [], deadline: Deadline, maximumResponseBytes: Int = HTTPClient.defaultMaximumResponseBytes
    ) throws(HTTPClientError) -> HTTPClientResponse {
        try send(
            method, resource, contentType: contentType, bearerToken: bearerToken, body: body, deadline: deadline,
            maximumResponseBytes: maximumResponseBytes, retryOnStaleConnection: true)
    }

    func send(
        _ method: HTTPMethod, _ resource: String, contentType: String?, bearerToken: String?, body: [UInt8],
        deadline: Deadline, maximumResponseBytes: Int, retryOnStaleConnection: Bool
    ) throws(HTTPClientError) -> HTTPClientResponse {
        guard method == .get || method == .post else {
            throw HTTPClientError(.io, "only GET and POST are sent")
        }
        lock.lock()
        defer { lock.unlock() }
        waiter.deadline = deadline
        let reused: Bool
        if let http, Self.idleAndOpen(http) {
            reused = true
        } else {
            drop()
            try connect(deadline)
            reused = false
        }
        let request = Request(
            method: method, resource: resource, contentType: contentType, bearerToken: bearerToken, body: body,
            maximumResponseBytes: maximumResponseBytes)
        do {
            return try exchange(request)
        } catch let failure {
            drop()
            guard reused, retryOnStaleConnection, failure.beforeResponse, !deadline.hasPassed else {
                throw failure.error
            }
            try connect(deadline)
            do { return try exchange(request) } catch let again {
                drop()
                throw again.error
            }
        }
    }

    private struct Request {
        var method: HTTPMethod
        var resource: String
        var contentType: String?
        var bearerToken: String?
        var body: [UInt8]
        var maximumResponseBytes: Int
    }

    /// Why an exchange failed, and whether it failed before any of the response arrived.
    private struct ExchangeFailure: Error {
        var error: HTTPClientError
        var beforeResponse: Bool
    }

    /// Makes the TLS connection and verifies the peer; nothing is sent before that.
    private func connect(_ deadline: Deadline) throws(HTTPClientError) {
        let waitMilliseconds = max(1, Int32(clamping: deadline.remaining.components.seconds * 1000 + 1))
        guard
            let http = httpConnect2(host, Int32(port), nil, AF_UNSPEC, HTTP_ENCRYPTION_ALWAYS, 1, waitMilliseconds, nil)
        else {
            let reason = String(cString: cupsLastErrorString())
            if deadline.hasPassed {
                throw HTTPClientError(.timedOut, "no TLS connection to \(host):\(port) in time")
            }
            throw HTTPClientError(.connect, "cannot connect to \(host):\(port) over TLS: \(reason)")
        }
        made += 1
        httpSetTimeout(http, 0.2, clientKeepWaiting, Unmanaged.passUnretained(waiter).toOpaque())
        do { try HTTPClient.verifyPeer(http, host: host, verification) } catch {
            httpClose(http)
            throw error
        }
        self.http = http
    }

    /// One request and its whole response on the open connection; leaves it open only if it may be reused.
    private func exchange(_ request: Request) throws(ExchangeFailure) -> HTTPClientResponse {
        guard let http else {
            throw ExchangeFailure(error: HTTPClientError(.io, "not connected"), beforeResponse: true)
        }
        httpClearFields(http)
        httpSetField(http, HTTP_FIELD_ACCEPT_ENCODING, "identity")
        if let contentType = request.contentType { httpSetField(http, HTTP_FIELD_CONTENT_TYPE, contentType) }
        if let token = request.bearerToken { httpSetField(http, HTTP_FIELD_AUTHORIZATION, "Bearer " + token) }
        if request.method == .post { httpSetLength(http, request.body.count) }
        let sent = request.method == .post ? httpPost(http, request.resource) : httpGet(http, request.resource)
        guard sent == 0 else { throw early("cannot send the request to \(host)") }
        if !request.body.isEmpty {
            let written = request.body.withUnsafeBytes {
                httpWrite2(http, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
            }
            guard written == request.body.count else { throw early("cannot send the request body to \(host)") }
        }
        var status: http_status_t
        repeat { status = httpUpdate(http) } while status == HTTP_STATUS_CONTINUE
        guard status.rawValue >= 100 else { throw early("no response from \(host)") }

        let contentType = field(http, HTTP_FIELD_CONTENT_TYPE)
        let retryAfter = field(http, HTTP_FIELD_RETRY_AFTER)
        let closes = field(http, HTTP_FIELD_CONNECTION)?.lowercased().contains("close") ?? false
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes {
                httpRead2(http, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
            }
            if count == 0 { break }
            guard count > 0 else {
                throw ExchangeFailure(
                    error: failure("the response from \(host) was cut short"), beforeResponse: false)
            }
            received.append(contentsOf: chunk[0..<count])
            if received.count > request.maximumResponseBytes {
                throw ExchangeFailure(
                    error: HTTPClientError(
                        .responseTooLarge,
                        "the response from \(host) is larger than \(request.maximumResponseBytes) bytes"),
                    beforeResponse: false)
            }
        }
        // (libcups' own keep-alive flag is a server-side setting; a client learns from the response's fields.)
        let reusable = status.rawValue < 400 && !closes && httpGetState(http) == HTTP_STATE_WAITING
        if !reusable { drop() }
        return HTTPClientResponse(
            status: Int(status.rawValue), contentType: contentType, retryAfter: retryAfter, body: received)
    }

    /// An idle connection with nothing to read: the server has not closed it (EOF would be readable) and sent
    /// nothing unasked.
    private static func idleAndOpen(_ http: OpaquePointer) -> Bool {
        guard httpGetState(http) == HTTP_STATE_WAITING, httpGetReady(http) == 0 else { return false }
        var entry = pollfd(fd: httpGetFd(http), events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) == 0
    }

    private func drop() {
        if let http { httpClose(http) }
        http = nil
    }

    private func early(_ message: String) -> ExchangeFailure {
        ExchangeFailure(error: failure(message), beforeResponse: true)
    }

    private func failure(_ message: String) -> HTTPClientError {
        waiter.timedOut ? HTTPClientError(.timedOut, message + ": timed out") : HTTPClientError(.io, message)
    }

    private func field(_ http: OpaquePointer, _ field: http_field_t) -> String? {
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

/// The deadline libcups' wait callback checks between 0.2 s slices: the current request's.
private final class DeadlineWaiter: @unchecked Sendable {
    private let lock = NSLock()
    private var until = Deadline.now
    private var expired = false

    /// Sets the deadline for the next waits (and forgets an earlier expiry).
    var deadline: Deadline {
        get { lock.withLock { until } }
        set {
            lock.withLock {
                until = newValue
                expired = false
            }
        }
    }

    var timedOut: Bool { lock.withLock { expired } }

    func keepWaiting() -> Bool {
        lock.withLock {
            if until.hasPassed {
                expired = true
                return false
            }
            return true
        }
    }
}

private func clientKeepWaiting(_ http: OpaquePointer?, _ data: UnsafeMutableRawPointer?) -> Int32 {
    guard let data else { return 0 }
    return Unmanaged<DeadlineWaiter>.fromOpaque(data).takeUnretainedValue().keepWaiting() ? 1 : 0
}
