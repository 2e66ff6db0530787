import Foundation
import Glibc
import KioskIO
import Testing

@testable import KioskHTTP

/// Streamed responses (Server-Sent Events) on the libcups server, read by the real `curl -N`.
@Suite(.serialized)
struct HTTPStreamTests {
    private func url(_ server: HTTPServer, _ path: String = "/events") -> String {
        "http://127.0.0.1:\(server.port)\(path)"
    }

    /// A server whose every request is answered with a new `TestStream`, kept in `streams` in order.
    private func streamingServer(limits: HTTPLimits = HTTPLimits()) throws -> (HTTPServer, TestStreams) {
        let streams = TestStreams()
        let server = try HTTPServer(host: "127.0.0.1", port: 0, limits: limits) { _ in
            .streaming(streams.make(), contentType: "text/event-stream")
        }
        return (server, streams)
    }

    @Test func stream_isChunkedAndEachPieceArrivesAsItIsProduced() throws {
        let (server, streams) = try streamingServer()
        defer { server.shutdown(deadline: .after(seconds: 5)) }
        let curl = try Curl.start(["-N", "-i", url(server)])
        defer { curl.stop() }
        let stream = try #require(streams.waitForStream(1))
        stream.push("data: one\n\n")
        #expect(curl.waitForOutput(containing: "data: one", deadline: .after(seconds: 10)))
        // The second piece does not exist yet while the first is already on the client's side.
        #expect(!curl.output.contains("data: two"))
        stream.push("data: two\n\n")
        #expect(curl.waitForOutput(containing: "data: two", deadline: .after(seconds: 10)))
        stream.end()
        #expect(curl.waitForExit(deadline: .after(seconds: 10)))
        #expect(curl.exitStatus == 0)
        #expect(curl.output.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(curl.output.contains("Transfer-Encoding: chunked\r\n"))
        #expect(curl.output.contains("Content-Type: text/event-stream\r\n"))
        #expect(curl.output.contains("Connection: close\r\n"))
        #expect(!curl.output.contains("Content-Length"))
        #expect(curl.output.hasSuffix("data: one\n\ndata: two\n\n"))
        #expect(waitUntil(.after(seconds: 5)) { stream.closeCount == 1 && server.activeStreams == 0 })
    }

    @Test func stream_overHTTP10_isSentUntilTheConnectionCloses() throws {
        let (server, streams) = try streamingServer()
        defer { server.shutdown(deadline: .after(seconds: 5)) }
        let curl = try Curl.start(["-N", "-i", "-0", url(server)])
        defer { curl.stop() }
        let stream = try #require(streams.waitForStream(1))
        stream.push("data: old\n\n")
        #expect(curl.waitForOutput(containing: "data: old", deadline: .after(seconds: 10)))
        stream.end()
        #expect(curl.waitForExit(deadline: .after(seconds: 10)))
        #expect(curl.exitStatus == 0)
        #expect(curl.output.hasPrefix("HTTP/1.0 200 OK\r\n"))
        #expect(!curl.output.contains("chunked"))
        #expect(curl.output.hasSuffix("\r\n\r\ndata: old\n\n"))
    }

    @Test func stream_endsWhenTheClientGoesAway() throws {
        let (server, streams) = try streamingServer()
        defer { server.shutdown(deadline: .after(seconds: 5)) }
        let curl = try Curl.start(["-N", url(server)])
        let stream = try #require(streams.waitForStream(1))
        stream.push(": hello\n\n")
        #expect(curl.waitForOutput(containing: ": hello", deadline: .after(seconds: 10)))
        #expect(server.activeStreams == 1)
        curl.stop()
        // Nothing more is produced: the server notices the closed socket on its own, not on a failed write.
        #expect(waitUntil(.after(seconds: 5)) { stream.closeCount == 1 && server.activeStreams == 0 })
        #expect(waitUntil(.after(seconds: 5)) { server.activeConnections == 0 })
    }

    @Test func shutdown_endsOpenStreamsPromptlyAndCleanly() throws {
        let (server, streams) = try streamingServer()
        // One after the other, so that each stream is known to belong to its client.
        let first = try Curl.start(["-N", url(server)])
        defer { first.stop() }
        let streamA = try #require(streams.waitForStream(1))
        streamA.push("data: a\n\n")
        #expect(first.waitForOutput(containing: "data: a", deadline: .after(seconds: 10)))
        let second = try Curl.start(["-N", url(server)])
        defer { second.stop() }
        let streamB = try #require(streams.waitForStream(2))
        streamB.push("data: b\n\n")
        #expect(second.waitForOutput(containing: "data: b", deadline: .after(seconds: 10)))
        let started = ContinuousClock.now
        #expect(server.shutdown(deadline: .after(seconds: 10)))
        #expect(ContinuousClock.now - started < .seconds(2))
        // Each body ended with its last chunk: curl sees a complete response.
        #expect(first.waitForExit(deadline: .after(seconds: 5)) && first.exitStatus == 0)
        #expect(second.waitForExit(deadline: .after(seconds: 5)) && second.exitStatus == 0)
        #expect(streamA.closeCount == 1 && streamB.closeCount == 1)
    }

    @Test func streamsOverTheCap_closeTheOldestFirst() throws {
        #expect(HTTPLimits().streams == 8)
        var limits = HTTPLimits()
        limits.streams = 2
        let (server, streams) = try streamingServer(limits: limits)
        defer { server.shutdown(deadline: .after(seconds: 5)) }
        var clients: [ChildProcess] = []
        defer { for client in clients { client.stop() } }
        for number in 1...3 {
            let client = try Curl.start(["-N", url(server)])
            clients.append(client)
            let stream = try #require(streams.waitForStream(number))
            stream.push("data: \(number)\n\n")
            #expect(client.waitForOutput(containing: "data: \(number)", deadline: .after(seconds: 10)))
        }
        let (oldest, middle, newest) = (clients[0], clients[1], clients[2])
        #expect(oldest.waitForExit(deadline: .after(seconds: 5)) && oldest.exitStatus == 0)
        #expect(streams.stream(1)?.closeCount == 1)
        #expect(middle.isRunning && newest.isRunning)
        #expect(server.activeStreams == 2)
        streams.stream(2)?.push("data: still\n\n")
        #expect(middle.waitForOutput(containing: "data: still", deadline: .after(seconds: 10)))
    }

    @Test func headOfAStream_sendsTheHeadOnly() throws {
        let (server, streams) = try streamingServer()
        defer { server.shutdown(deadline: .after(seconds: 5)) }
        let result = try Curl.run(["-I", url(server)], seconds: 10)
        #expect(result.status == 0)
        #expect(result.output.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(waitUntil(.after(seconds: 5)) { streams.stream(1)?.closeCount == 1 })
    }
}

/// The streams a test server handed out, in order.
final class TestStreams: @unchecked Sendable {
    private let condition = NSCondition()
    private var made: [TestStream] = []

    func make() -> TestStream {
        condition.withLock {
            let stream = TestStream()
            made.append(stream)
            condition.broadcast()
            return stream
        }
    }

    func stream(_ number: Int) -> TestStream? { condition.withLock { made.count >= number ? made[number - 1] : nil } }

    /// The `number`th stream (1-based), once a request made it.
    func waitForStream(_ number: Int, seconds: Double = 10) -> TestStream? {
        let end = Date().addingTimeInterval(seconds)
        return condition.withLock {
            while made.count < number {
                if !condition.wait(until: end) { return nil }
            }
            return made[number - 1]
        }
    }
}

/// A producer the test drives: pieces are pushed, then the end.
final class TestStream: HTTPResponseStream, @unchecked Sendable {
    private let condition = NSCondition()
    private var pieces: [[UInt8]] = []
    private var ended = false
    private var closes = 0

    func push(_ text: String) {
        condition.withLock {
            pieces.append(Array(text.utf8))
            condition.broadcast()
        }
    }

    func end() {
        condition.withLock {
            ended = true
            condition.broadcast()
        }
    }

    var closeCount: Int { condition.withLock { closes } }

    func next(waitingAtMost timeout: Duration) -> HTTPStreamChunk {
        let end = Date().addingTimeInterval(
            Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        return condition.withLock {
            while pieces.isEmpty && !ended && closes == 0 {
                if !condition.wait(until: end) { return .nothingYet }
            }
            if !pieces.isEmpty { return .bytes(pieces.removeFirst()) }
            return .end
        }
    }

    func close() {
        condition.withLock {
            closes += 1
            condition.broadcast()
        }
    }
}
