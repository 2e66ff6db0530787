import Foundation
import KioskCore
import KioskDevices
import KioskIO
import KioskSimulators
import KioskStore
import Testing

@testable import KioskDaemon

/// `GET /ui/v1/camera` (docs/ui-api.md, "Live preview") on the real UI listener, read by the real `curl`: the parts
/// parse, no more than 10 a second go out, only in the face steps, the stream ends with the step, nothing is cached,
/// and every frame is wiped. The flow's face transitions are not needed: the listener's hub is given the flow's
/// view at each step, as the runner's feed would.
@Suite(.serialized) struct DaemonUICameraPreviewTests {
    static let boundary = "kioskd-camera-frame"

    /// A listener on an ephemeral port whose flow runner never runs (no event is sent here).
    final class Fixture {
        let dir: TemporaryDirectory
        let listener: UIListener
        var revision = 1

        init(camera: (any CameraPreviewing)?) throws {
            dir = try TemporaryDirectory("ui-camera")
            let store = StoreLane(try TransactionStore.open(path: dir.url.appendingPathComponent("kioskd.db").path))
            let terminal = Terminal(
                idReader: nil, receiptPrinter: nil, ticketDispenser: nil, licenceOutput: nil, endpoints: [:])
            let runner = FlowRunner(
                flow: LicenceFlow(),
                dependencies: .init(
                    store: store, terminal: terminal,
                    authority: EmbeddedAuthority(config: AuthorityConfig(), store: store),
                    logger: Logger(level: .error), kioskID: "K1", renderLicence: { _ in [] },
                    queueNumbering: try QueueNumbering(prefixes: ["A": "A"]),
                    receiptQRURLBase: "https://example.invalid/tx/", licencePrintDeadline: .seconds(30)))
            listener = try UIListener(
                listen: UIConfig.Listen(host: "127.0.0.1", port: 0), heartbeat: .seconds(10), runner: runner,
                terminal: terminal, inhibitions: InhibitionSwitch(stateDirectory: dir.url.path), kioskID: "K1",
                policy: FlowPolicy(), clock: { Date() }, metrics: DaemonMetrics(), logger: Logger(level: .error),
                camera: camera)
        }

        var url: String { "http://127.0.0.1:\(listener.server.port)/ui/v1/camera" }

        /// The flow's view at `step` in transaction `transactionID`, as the runner's feed brings it.
        func enter(_ step: FlowStepName, transactionID: String = "K1-T1") {
            revision += 1
            var session = FlowSession(
                record: TransactionRecord(id: transactionID, kioskID: "K1", startedAt: Date()))
            session.identity = IDReaderSampleCards.resident
            let state = FlowState(
                step: step, session: step == .idle ? nil : session, handOffReason: nil, cancelReason: nil,
                timerGeneration: 1, warned: false, persistFailures: 0, lostDevices: [])
            listener.hub.absorb(
                FlowRunner.UIView(
                    state: state, revision: revision, stepDeadline: nil, lastTicket: nil, lastEnded: nil,
                    maximumCardAttempts: 3))
        }

        func stop() async {
            await listener.stop()
            dir.remove()
        }
    }

    /// Runs curl to the end and answers (exit status, stdout).
    static func curl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let child = try ChildProcess("/usr/bin/curl", ["-s"] + arguments, environment: ["PATH": "/usr/bin:/bin"])
        guard child.waitForExit(deadline: .after(seconds: 30)) else {
            child.stop()
            throw DaemonProcess.Failure(description: "curl \(arguments) hung")
        }
        return (child.exitStatus ?? -1, child.output)
    }

    /// Starts `curl -N` writing the head to `head` and the body to `body`.
    static func startPreview(_ url: String, head: String, body: String) throws -> ChildProcess {
        try ChildProcess(
            "/usr/bin/curl", ["-s", "-N", "-D", head, "-o", body, url], environment: ["PATH": "/usr/bin:/bin"])
    }

    static func bytes(_ path: String) -> [UInt8] {
        (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
    }

    /// Waits until the body at `path` holds `count` whole parts (or the deadline); answers how many it holds.
    static func waitForParts(_ path: String, atLeast count: Int, seconds: Double = 15) -> Int {
        let deadline = Deadline.after(seconds: seconds)
        while true {
            let parsed = MultipartBody.parse(bytes(path), boundary: boundary)
            if parsed.parts.count >= count || deadline.hasPassed { return parsed.parts.count }
            usleep(20_000)
        }
    }

    @Test func preview_inTheFaceSteps_isMJPEG_atMostTenPerSecond_andEndsWithTheStep() async throws {
        let camera = TestCamera(framesPerSecond: 100)
        let fixture = try Fixture(camera: camera)
        let head = fixture.dir.url.appendingPathComponent("head").path
        let body = fixture.dir.url.appendingPathComponent("body").path
        fixture.enter(.capturingFace)
        let started = ContinuousClock.now
        let client = try Self.startPreview(fixture.url, head: head, body: body)
        defer { client.stop() }
        #expect(Self.waitForParts(body, atLeast: 3) >= 3)
        // 开始比对: the preview goes on while the comparison runs (the same stream).
        fixture.enter(.verifyingFace)
        #expect(Self.waitForParts(body, atLeast: 6) >= 6)
        #expect(client.isRunning)
        fixture.enter(.fillingForm)
        #expect(client.waitForExit(deadline: .after(seconds: 10)))
        let elapsed = ContinuousClock.now - started
        #expect(client.exitStatus == 0)

        let headText = String(decoding: Self.bytes(head), as: UTF8.self)
        #expect(headText.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(headText.contains("Content-Type: multipart/x-mixed-replace; boundary=\(Self.boundary)\r\n"))
        #expect(headText.contains("Cache-Control: no-store\r\n"))
        #expect(!headText.lowercased().contains("etag"))
        #expect(!headText.lowercased().contains("last-modified"))

        let parsed = MultipartBody.parse(Self.bytes(body), boundary: Self.boundary)
        #expect(parsed.closed, "the body ends with the close delimiter")
        #expect(parsed.problems.isEmpty, "\(parsed.problems)")
        #expect(parsed.parts.count >= 6)
        for part in parsed.parts {
            #expect(part.contentType == "image/jpeg")
            #expect(part.contentLength == part.body.count)
            #expect(camera.produced(part.body), "a part is one whole frame of the camera")
        }
        // The camera gives 100 frames a second; no two parts go out closer than 100 ms.
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        #expect(Double(parsed.parts.count) <= seconds * 10 + 1, "\(parsed.parts.count) parts in \(seconds) s")
        #expect(camera.requestedRates == [10])

        // The camera's stream ended with the preview, and every frame that was sent is wiped.
        #expect(eventually(.after(seconds: 5)) { camera.terminations == 1 })
        for part in parsed.parts { #expect(camera.wasWiped(part.body)) }
        #expect(eventually(.after(seconds: 5)) { fixture.listener.previews.count == 0 })
        await fixture.stop()
    }

    @Test func preview_outsideTheFaceSteps_is409_andWithoutACamera_503() async throws {
        let fixture = try Fixture(camera: TestCamera(framesPerSecond: 20))
        for step in [FlowStepName.idle, .awaitingCard, .fillingForm] {
            fixture.enter(step)
            let answer = try Self.curl(["-i", fixture.url])
            // libcups words 409 as "Unknown"; the problem document names it.
            #expect(answer.output.hasPrefix("HTTP/1.1 409 "), "\(step): \(answer.output)")
            #expect(answer.output.contains(#""title":"Conflict","status":409"#))
            #expect(answer.output.contains("Content-Type: application/problem+json\r\n"))
            #expect(answer.output.contains("capturingFace"))
        }
        // The UI's own access rules hold here too: a foreign Host is refused before routing.
        fixture.enter(.capturingFace)
        let foreign = try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: evil.example", fixture.url])
        #expect(foreign.output == "421")
        let post = try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-d", "", fixture.url])
        #expect(post.output == "405")
        await fixture.stop()

        let blind = try Fixture(camera: nil)
        blind.enter(.capturingFace)
        let answer = try Self.curl(["-i", blind.url])
        #expect(answer.output.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        #expect(answer.output.contains("no camera"))
        await blind.stop()
    }

    @Test func preview_endsWhenAnotherTransactionComesOnScreen_andAThirdClosesTheOldest() async throws {
        let camera = TestCamera(framesPerSecond: 20)
        let fixture = try Fixture(camera: camera)
        fixture.enter(.capturingFace, transactionID: "K1-A")
        var clients: [ChildProcess] = []
        defer { for client in clients { client.stop() } }
        for number in 1...3 {
            let body = fixture.dir.url.appendingPathComponent("body\(number)").path
            let client = try Self.startPreview(
                fixture.url, head: fixture.dir.url.appendingPathComponent("head\(number)").path, body: body)
            clients.append(client)
            #expect(Self.waitForParts(body, atLeast: 1) >= 1)
        }
        #expect(clients[0].waitForExit(deadline: .after(seconds: 10)) && clients[0].exitStatus == 0)
        #expect(clients[1].isRunning && clients[2].isRunning)
        #expect(eventually(.after(seconds: 5)) { fixture.listener.previews.count == 2 })
        // Another session in the same step: its citizen never sees the previous one's picture.
        fixture.enter(.capturingFace, transactionID: "K1-B")
        #expect(clients[1].waitForExit(deadline: .after(seconds: 10)) && clients[1].exitStatus == 0)
        #expect(clients[2].waitForExit(deadline: .after(seconds: 10)) && clients[2].exitStatus == 0)
        #expect(eventually(.after(seconds: 5)) { camera.terminations == 3 })
        await fixture.stop()
    }
}

/// Whether `condition` holds before `deadline`, looking every 20 ms.
private func eventually(_ deadline: Deadline, _ condition: () -> Bool) -> Bool {
    while !condition() {
        if deadline.hasPassed { return false }
        usleep(20_000)
    }
    return true
}

/// A camera that yields small distinct JPEG-shaped frames at `framesPerSecond` whatever it is asked for, and keeps
/// what it handed out so a test can see that the frames that were sent were wiped.
final class TestCamera: CameraPreviewing, @unchecked Sendable {
    private let lock = NSLock()
    private let interval: Duration
    private var rates: [Int] = []
    /// Each frame by the bytes it was made with (they are gone from the frame once it is wiped).
    private var made: [[UInt8]: CameraFrame] = [:]
    private var ended = 0

    init(framesPerSecond: Int) { interval = .seconds(1) / framesPerSecond }

    var requestedRates: [Int] { lock.withLock { rates } }
    var terminations: Int { lock.withLock { ended } }
    func produced(_ bytes: [UInt8]) -> Bool { lock.withLock { made[bytes] != nil } }
    /// Whether the frame that was made with `bytes` has been wiped.
    func wasWiped(_ bytes: [UInt8]) -> Bool { lock.withLock { made[bytes]?.jpeg.isEmpty ?? false } }

    func previewFrames(maximumPerSecond: Int) async -> AsyncStream<CameraFrame> {
        lock.withLock { rates.append(maximumPerSecond) }
        let interval = interval
        return AsyncStream { continuation in
            let producer = Task { [weak self] in
                var number: UInt32 = 0
                while !Task.isCancelled, let self {
                    number += 1
                    let frame = self.frame(number)
                    continuation.yield(frame)
                    try? await Task.sleep(for: interval)
                }
                continuation.finish()
            }
            continuation.onTermination = { [weak self] _ in
                producer.cancel()
                self?.lock.withLock { self?.ended += 1 }
            }
        }
    }

    /// SOI, an APP0-like filler with the number, EOI: a different frame each time.
    private func frame(_ number: UInt32) -> CameraFrame {
        var jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0]
        withUnsafeBytes(of: number.bigEndian) { jpeg.append(contentsOf: $0) }
        jpeg.append(contentsOf: [UInt8](repeating: 0x5A, count: Int(number % 7) + 40))
        jpeg.append(contentsOf: [0xFF, 0xD9])
        let frame = CameraFrame(jpeg: jpeg, width: 8, height: 8)
        lock.withLock { made[jpeg] = frame }
        return frame
    }
}

/// A `multipart/x-mixed-replace` body split into its parts (RFC 2046 §5.1.1), strictly: every part needs
/// `Content-Length`, and the bytes after it must be CRLF and the next delimiter.
struct MultipartBody {
    struct Part {
        var contentType: String?
        var contentLength: Int?
        var body: [UInt8]
    }

    var parts: [Part] = []
    var closed = false
    var problems: [String] = []

    static func parse(_ bytes: [UInt8], boundary: String) -> MultipartBody {
        var result = MultipartBody()
        let delimiter = Array("--\(boundary)".utf8)
        let crlf: [UInt8] = [0x0D, 0x0A]
        var index = 0
        func has(_ pattern: [UInt8], at position: Int) -> Bool {
            position + pattern.count <= bytes.count && Array(bytes[position..<position + pattern.count]) == pattern
        }
        while index < bytes.count {
            guard has(delimiter, at: index) else {
                result.problems.append("no delimiter at \(index)")
                return result
            }
            index += delimiter.count
            if has([0x2D, 0x2D], at: index) {
                result.closed = true
                return result
            }
            guard has(crlf, at: index) else { return result }  // incomplete: more to come
            index += 2
            var part = Part(body: [])
            // The part's head, up to an empty line.
            while true {
                guard let end = (index..<max(index, bytes.count - 1)).first(where: { has(crlf, at: $0) }) else {
                    return result
                }
                let line = String(decoding: bytes[index..<end], as: UTF8.self)
                index = end + 2
                if line.isEmpty { break }
                let pieces = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pieces.count == 2 else {
                    result.problems.append("bad head line \(line)")
                    return result
                }
                switch pieces[0].lowercased() {
                case "content-type": part.contentType = pieces[1]
                case "content-length": part.contentLength = Int(pieces[1])
                default: break
                }
            }
            guard let length = part.contentLength else {
                result.problems.append("a part without Content-Length")
                return result
            }
            guard index + length + 2 <= bytes.count else { return result }  // incomplete
            part.body = Array(bytes[index..<index + length])
            index += length
            guard has(crlf, at: index) else {
                result.problems.append("no CRLF after a part's body")
                return result
            }
            index += 2
            result.parts.append(part)
        }
        return result
    }
}
