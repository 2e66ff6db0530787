import Foundation
import KioskIO
import Testing

@testable import KioskHTTP

/// `Cache-Control`, a field libcups does not know, sent through its field writer (after `Server`), and streamed
/// pieces zeroed after they are written; read by the real `curl`.
@Suite(.serialized)
struct HTTPCacheControlTests {
    private func url(_ server: HTTPServer, _ path: String = "/") -> String {
        "http://127.0.0.1:\(server.port)\(path)"
    }

    @Test func cacheControl_isItsOwnHeaderLine_onAPlainResponse() throws {
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { _ in
            HTTPResponse(status: 200, contentType: "text/plain", body: Array("hello".utf8)).cacheControl(.noStore)
        }
        defer { server.shutdown(deadline: .after(seconds: 5)) }
        let result = try Curl.run(["-i", url(server)], seconds: 10)
        #expect(result.status == 0)
        #expect(result.output.contains("\r\nServer: kioskd\r\nCache-Control: no-store\r\n"))
        #expect(result.output.hasSuffix("\r\n\r\nhello"))
    }

    @Test func withoutCacheControl_theServerFieldIsJustTheName() throws {
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { _ in
            HTTPResponse(status: 200, contentType: "text/plain", body: Array("hello".utf8))
        }
        defer { server.shutdown(deadline: .after(seconds: 5)) }
        let result = try Curl.run(["-i", url(server)], seconds: 10)
        #expect(result.output.contains("\r\nServer: kioskd\r\n"))
        #expect(!result.output.lowercased().contains("cache-control"))
    }

    @Test func aValueThatWouldSplitTheHead_isDropped() throws {
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { _ in
            var response = HTTPResponse(status: 200, contentType: "text/plain", body: Array("hello".utf8))
            response.fields[.cacheControl] = "no-store\r\nX-Injected: 1"
            return response
        }
        defer { server.shutdown(deadline: .after(seconds: 5)) }
        let result = try Curl.run(["-i", url(server)], seconds: 10)
        #expect(result.status == 0)
        #expect(!result.output.contains("X-Injected"))
        #expect(!result.output.lowercased().contains("cache-control"))
        #expect(result.output.hasSuffix("\r\n\r\nhello"))
    }

    @Test func streamedResponse_carriesCacheControl_andWipedPiecesAreZeroedAfterTheWrite() throws {
        let stream = WipedPieceStream(piece: Array("--frame\r\nsecret face bytes\r\n".utf8))
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { _ in
            HTTPResponse.streaming(stream, contentType: "multipart/x-mixed-replace; boundary=frame")
                .cacheControl(.noStore)
        }
        defer { server.shutdown(deadline: .after(seconds: 5)) }
        let result = try Curl.run(["-i", "-N", url(server)], seconds: 10)
        #expect(result.status == 0)
        #expect(result.output.contains("Cache-Control: no-store\r\n"))
        #expect(result.output.contains("Content-Type: multipart/x-mixed-replace; boundary=frame\r\n"))
        #expect(result.output.contains("Transfer-Encoding: chunked\r\n"))
        // The client got the bytes; the server's buffer (the same storage the producer still refers to) is zeros.
        #expect(result.output.hasSuffix("secret face bytes\r\n"))
        #expect(waitUntil(.after(seconds: 5)) { stream.closed })
        #expect(stream.handedOut.count == stream.pieceSize)
        #expect(stream.handedOut.allSatisfy { $0 == 0 })
    }
}

/// Hands out one piece as `.wipedAfterWrite`, keeping a reference to the same array, then ends.
private final class WipedPieceStream: HTTPResponseStream, @unchecked Sendable {
    private let lock = NSLock()
    private var piece: [UInt8]?
    private var kept: [UInt8] = []
    private var wasClosed = false
    let pieceSize: Int

    init(piece: [UInt8]) {
        self.piece = piece
        pieceSize = piece.count
    }

    var handedOut: [UInt8] { lock.withLock { kept } }
    var closed: Bool { lock.withLock { wasClosed } }

    func next(waitingAtMost timeout: Duration) -> HTTPStreamChunk {
        lock.withLock {
            guard let piece else { return .end }
            self.piece = nil
            kept = piece
            return .wipedAfterWrite(piece)
        }
    }

    func close() { lock.withLock { wasClosed = true } }
}
