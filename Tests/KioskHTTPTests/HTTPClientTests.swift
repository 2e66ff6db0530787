import Foundation
import Glibc
import KioskCore
import KioskIO
import Testing

@testable import KioskHTTP

/// The libcups HTTPS client against a real KioskHTTP TLS server (this process's test credentials): the pin decides,
/// and without one a self-signed server is refused by the system trust check.
@Suite(.serialized)
struct HTTPClientTests {
    private func tlsServer(_ handler: @escaping HTTPHandler = echoHandler) throws -> HTTPServer {
        try HTTPServer(host: "127.0.0.1", port: 0, security: .tls(TestCredentials.shared), handler: handler)
    }

    private func pin() throws -> [UInt8] {
        guard case .pinSHA256(let bytes)? = PeerVerification.pin(hex: try TestCredentials.shared.certificateSHA256())
        else { throw TestFailure("the certificate's SHA-256 is not 64 hex digits") }
        return bytes
    }

    @Test func rightPin_postsTheBodyWithTokenAndType_andReadsTheResponse() throws {
        let server = try tlsServer()
        defer { server.shutdown(deadline: .after(seconds: 5)) }
        let body = Array("{\"hello\":\"centre\"}".utf8)
        let url = try #require(HTTPSURL("https://127.0.0.1:\(server.port)/v1/events?x=1"))
        let response = try HTTPClient.send(
            .post, url, contentType: "application/cloudevents-batch+json", bearerToken: "secret-token", body: body,
            verification: .pinSHA256(try pin()), deadline: .after(seconds: 20))
        #expect(response.status == 200)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains("method: POST"))
        #expect(text.contains("path: /v1/events"))
        #expect(text.contains("content-type: application/cloudevents-batch+json"))
        #expect(text.contains("authorization: present"))
        #expect(text.contains("encrypted: true"))
        #expect(text.contains("body-sha256: \(SHA256.hex(of: body))"))
    }

    @Test func wrongPin_isRefusedBeforeAnythingIsSent() throws {
        let reached = Flag()
        let server = try tlsServer { request in
            reached.set()
            return echoHandler(request)
        }
        defer { server.shutdown(deadline: .after(seconds: 5)) }
        let url = try #require(HTTPSURL("https://127.0.0.1:\(server.port)/v1/events"))
        var wrong = try pin()
        wrong[0] ^= 0x01
        let error = #expect(throws: HTTPClientError.self) {
            _ = try HTTPClient.send(
                .post, url, contentType: "application/json", bearerToken: "secret-token", body: [0x7B, 0x7D],
                verification: .pinSHA256(wrong), deadline: .after(seconds: 20))
        }
        #expect(error?.kind == .untrustedPeer)
        #expect(error?.description.contains("refused") == true)
        #expect(error?.description.contains("secret-token") == false)
        #expect(!reached.isSet)
    }

    @Test func noPin_selfSignedServer_isRefusedByTheSystemTrust() throws {
        let reached = Flag()
        let server = try tlsServer { request in
            reached.set()
            return echoHandler(request)
        }
        defer { server.shutdown(deadline: .after(seconds: 5)) }
        let url = try #require(HTTPSURL("https://127.0.0.1:\(server.port)/v1/events"))
        let error = #expect(throws: HTTPClientError.self) {
            _ = try HTTPClient.send(.get, url, verification: .systemTrust, deadline: .after(seconds: 20))
        }
        #expect(error?.kind == .untrustedPeer)
        #expect(error?.description.contains("not trusted by the system") == true)
        #expect(!reached.isSet)
    }

    @Test func nobodyListening_isAConnectError() throws {
        let listener = try SocketListener.tcp(host: "127.0.0.1", port: 0, backlog: 1)
        let port = try #require(listener.port)
        listener.close()
        let url = try #require(HTTPSURL("https://127.0.0.1:\(port)/"))
        let error = #expect(throws: HTTPClientError.self) {
            _ = try HTTPClient.send(.get, url, verification: .systemTrust, deadline: .after(seconds: 10))
        }
        #expect(error?.kind == .connect)
    }

    @Test func slowServer_isCutAtTheDeadline() throws {
        let release = NSCondition()
        let server = try tlsServer { request in
            release.withLock { _ = release.wait(until: Date(timeIntervalSinceNow: 5)) }
            return echoHandler(request)
        }
        defer {
            release.withLock { release.broadcast() }
            server.shutdown(deadline: .after(seconds: 5))
        }
        let url = try #require(HTTPSURL("https://127.0.0.1:\(server.port)/"))
        let started = ContinuousClock.now
        let error = #expect(throws: HTTPClientError.self) {
            _ = try HTTPClient.send(
                .get, url, verification: .pinSHA256(try pin()), deadline: .after(seconds: 1.5))
        }
        #expect(error?.kind == .timedOut)
        #expect(ContinuousClock.now - started < .seconds(4))
    }

    @Test func responseOverTheLimit_isRefused() throws {
        let server = try tlsServer { _ in
            HTTPResponse(status: 200, contentType: "text/plain", body: [UInt8](repeating: 0x41, count: 300_000))
        }
        defer { server.shutdown(deadline: .after(seconds: 5)) }
        let url = try #require(HTTPSURL("https://127.0.0.1:\(server.port)/"))
        let error = #expect(throws: HTTPClientError.self) {
            _ = try HTTPClient.send(
                .get, url, verification: .pinSHA256(try pin()), deadline: .after(seconds: 20),
                maximumResponseBytes: 100_000)
        }
        #expect(error?.kind == .responseTooLarge)
        let whole = try HTTPClient.send(
            .get, url, verification: .pinSHA256(try pin()), deadline: .after(seconds: 20), maximumResponseBytes: 300_000
        )
        #expect(whole.body.count == 300_000)
    }

    @Test func keptAliveConnection_carriesManyRequests_onOneVerifiedTLSConnection() throws {
        let server = try tlsServer()
        defer { server.shutdown(deadline: .after(seconds: 5)) }
        let connection = HTTPClientConnection(host: "127.0.0.1", port: server.port, verification: .pinSHA256(try pin()))
        defer { connection.close() }
        for index in 0..<5 {
            let body = Array("{\"n\":\(index)}".utf8)
            let response = try connection.send(
                .post, "/v1/events", contentType: "application/json", bearerToken: "t", body: body,
                deadline: .after(seconds: 20))
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self).contains("body-sha256: \(SHA256.hex(of: body))"))
            let page = try connection.send(.get, "/v1/transactions?after=\(index)", deadline: .after(seconds: 20))
            #expect(String(decoding: page.body, as: UTF8.self).contains("query: after=\(index)"))
        }
        #expect(connection.connectionsMade == 1)
        #expect(server.activeConnections == 1)
    }

    /// After a 4xx the connection is not reused (libcups would reconnect by itself, to a peer nobody verified): the
    /// next request makes and verifies a new one.
    @Test func afterAnErrorStatus_theNextRequestMakesANewVerifiedConnection() throws {
        let server = try tlsServer { request in
            request.target.path == "/missing" ? .problem(status: 404, detail: "no") : echoHandler(request)
        }
        defer { server.shutdown(deadline: .after(seconds: 5)) }
        let connection = HTTPClientConnection(host: "127.0.0.1", port: server.port, verification: .pinSHA256(try pin()))
        defer { connection.close() }
        #expect(try connection.send(.get, "/a", deadline: .after(seconds: 20)).status == 200)
        #expect(try connection.send(.get, "/missing", deadline: .after(seconds: 20)).status == 404)
        #expect(try connection.send(.get, "/b", deadline: .after(seconds: 20)).status == 200)
        #expect(try connection.send(.get, "/c", deadline: .after(seconds: 20)).status == 200)
        #expect(connection.connectionsMade == 2)
    }

    @Test func connectionTheServerClosedWhileIdle_isReplaced() throws {
        var limits = HTTPLimits()
        limits.idleTimeout = .milliseconds(300)
        let server = try HTTPServer(
            host: "127.0.0.1", port: 0, security: .tls(TestCredentials.shared), limits: limits, handler: echoHandler)
        defer { server.shutdown(deadline: .after(seconds: 5)) }
        let connection = HTTPClientConnection(host: "127.0.0.1", port: server.port, verification: .pinSHA256(try pin()))
        defer { connection.close() }
        #expect(try connection.send(.get, "/a", deadline: .after(seconds: 20)).status == 200)
        #expect(waitUntil(.after(seconds: 10)) { server.activeConnections == 0 })
        #expect(try connection.send(.get, "/b", deadline: .after(seconds: 20)).status == 200)
        #expect(connection.connectionsMade == 2)
    }

    @Test func keptAliveConnection_wrongPin_sendsNothing() throws {
        let reached = Flag()
        let server = try tlsServer { request in
            reached.set()
            return echoHandler(request)
        }
        defer { server.shutdown(deadline: .after(seconds: 5)) }
        var wrong = try pin()
        wrong[31] ^= 0x80
        let connection = HTTPClientConnection(host: "127.0.0.1", port: server.port, verification: .pinSHA256(wrong))
        for _ in 0..<2 {
            let error = #expect(throws: HTTPClientError.self) {
                _ = try connection.send(.get, "/a", bearerToken: "secret-token", deadline: .after(seconds: 20))
            }
            #expect(error?.kind == .untrustedPeer)
        }
        #expect(!reached.isSet)
    }

    @Test func urls_onlyHTTPS() {
        #expect(HTTPSURL("https://centre.example:8443/v1/events")?.port == 8443)
        #expect(HTTPSURL("https://centre.example/v1")?.port == 443)
        #expect(HTTPSURL("https://centre.example")?.resource == "/")
        #expect(HTTPSURL("http://centre.example/v1") == nil)
        #expect(HTTPSURL("https://user@centre.example/") == nil)
    }

    @Test func retryAfter_secondsOrDate() {
        #expect(HTTPClientResponse(status: 429, contentType: nil, retryAfter: "7", body: []).retryAfterSeconds == 7)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let future = formatter.string(from: Date(timeIntervalSinceNow: 120))
        let seconds = HTTPClientResponse(status: 503, contentType: nil, retryAfter: future, body: []).retryAfterSeconds
        #expect(seconds.map { $0 >= 100 && $0 <= 121 } == true)
        #expect(
            HTTPClientResponse(status: 503, contentType: nil, retryAfter: "soon", body: []).retryAfterSeconds == nil)
    }
}
