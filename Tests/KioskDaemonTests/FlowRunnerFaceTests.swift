import Foundation
import KioskCore
import KioskDevices
import KioskIO
import KioskSimulators
import KioskStore
import Testing

@testable import KioskDaemon

/// A camera that counts what the runner asks of it and hands out a small JPEG (or fails as told).
private actor CountingCamera: CameraCapturing {
    private(set) var began = 0
    private(set) var ended = 0
    private(set) var frames: [CameraFrame] = []
    private let failure: CameraError?

    init(failure: CameraError? = nil) { self.failure = failure }

    func beginStreaming() { began += 1 }
    func endStreaming() { ended += 1 }
    func capture(deadline: Deadline) throws(CameraError) -> CameraFrame {
        if let failure { throw failure }
        let frame = CameraFrame(jpeg: [0xFF, 0xD8, 0x11, 0x22, 0x33, 0xFF, 0xD9], width: 640, height: 480)
        frames.append(frame)
        return frame
    }
}

/// An identity service that answers from a list and remembers what it was asked (the frame's size as it arrived).
private actor ScriptedVerifier: IdentityVerifying {
    struct Seen: Sendable, Hashable {
        var attempt: Int
        var idNumber: String
        var name: String
        var frameBytes: Int
    }

    private var answers: [FaceVerificationOutcome]
    private(set) var seen: [Seen] = []

    init(_ answers: [FaceVerificationOutcome]) { self.answers = answers }

    func verify(_ request: FaceVerificationRequest) -> FaceVerificationOutcome {
        seen.append(
            Seen(
                attempt: request.attempt, idNumber: request.idNumber, name: request.name,
                frameBytes: request.frame.jpeg.count))
        return answers.isEmpty ? .unavailable(reason: "no answer scripted") : answers.removeFirst()
    }
}

/// FlowRunner carrying out the face comparison's effects (docs/face-verification.md) on a real store file, with an
/// in-memory camera and identity service.
@Suite struct FlowRunnerFaceTests {
    static let card = IDReaderSampleCards.resident

    static func runner(in dir: TemporaryDirectory, faceCheck: FaceCheck?, log: LineCollector) throws
        -> FlowRunner
    {
        let store = StoreLane(try TransactionStore.open(path: dir.url.appendingPathComponent("kioskd.db").path))
        var deps = FlowRunner.Dependencies(
            store: store,
            terminal: Terminal(
                idReader: nil, receiptPrinter: nil, ticketDispenser: nil, licenceOutput: nil, endpoints: [:]),
            authority: EmbeddedAuthority(config: AuthorityConfig(), store: store),
            logger: Logger(
                level: .info,
                write: log.add),
            kioskID: "K1", renderLicence: { _ in [] }, queueNumbering: try QueueNumbering(prefixes: ["A": "A"]),
            receiptQRURLBase: "https://example.invalid/tx/", licencePrintDeadline: .seconds(30))
        deps.faceCheck = faceCheck
        return FlowRunner(flow: LicenceFlow(policy: FlowPolicy(faceVerification: .required)), dependencies: deps)
    }

    /// Waits (up to 10 s) until the runner's state satisfies `condition` and the effects of the transition that got
    /// it there have all been carried out (an even revision).
    static func until(
        _ runner: FlowRunner, _ what: String, _ condition: @Sendable (FlowRunner.UIView) -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let view = await runner.uiView
            if view.revision % 2 == 0, condition(view) { return }
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what); at \(await runner.uiView.state.step)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    static func toCamera(_ runner: FlowRunner) async throws {
        #expect(try await runner.send(.start(transactionID: "T1", kioskID: "K1")) == .applied)
        #expect(try await runner.send(.cardRead(card)) == .applied)
        try await until(runner, "capturingFace") { $0.state.step == .capturingFace }
    }

    @Test func match_opensTheForm_sendsTheHolder_andWipesTheFrame() async throws {
        let dir = try TemporaryDirectory("runner-face-match")
        defer { dir.remove() }
        let camera = CountingCamera()
        let verifier = ScriptedVerifier([.decided(.match, score: 0.93)])
        let log = LineCollector()
        let runner = try Self.runner(in: dir, faceCheck: FaceCheck(camera: camera, verifier: verifier), log: log)
        let loop = Task { await runner.run() }
        defer { loop.cancel() }

        try await Self.toCamera(runner)
        #expect(await camera.began == 1)
        #expect(try await runner.send(.captureFace) == .applied)
        try await Self.until(runner, "fillingForm") { $0.state.step == .fillingForm }

        #expect(await camera.ended == 1)
        #expect(
            await verifier.seen == [
                .init(
                    attempt: 1, idNumber: Self.card.idNumber.unmasked, name: Self.card.name.unmasked, frameBytes: 7)
            ])
        #expect(await camera.frames.allSatisfy { $0.jpeg.isEmpty })
        #expect(await runner.uiView.state.session?.record.faceVerification?.decision == "match")
        let faceLines = log.all.filter { $0.contains("face attempt") }
        #expect(faceLines.count == 1)
        #expect(faceLines.first?.contains("face attempt 1: match (0.93) in ") == true)
        let everything = log.all.joined(separator: "\n")
        #expect(!everything.contains(Self.card.idNumber.unmasked))
        #expect(!everything.contains(Self.card.name.unmasked))
        await runner.stop()
    }

    @Test func threeMismatches_handOffWithFaceMismatch_cameraStoppedOnce() async throws {
        let dir = try TemporaryDirectory("runner-face-mismatch")
        defer { dir.remove() }
        let camera = CountingCamera()
        let verifier = ScriptedVerifier(Array(repeating: .decided(.noMatch, score: 0.31), count: 3))
        let log = LineCollector()
        let runner = try Self.runner(in: dir, faceCheck: FaceCheck(camera: camera, verifier: verifier), log: log)
        let loop = Task { await runner.run() }
        defer { loop.cancel() }

        try await Self.toCamera(runner)
        for attempt in 1...3 {
            #expect(try await runner.send(.captureFace) == .applied)
            if attempt < 3 {
                try await Self.until(runner, "attempt \(attempt) answered") {
                    $0.state.step == .capturingFace && $0.state.session?.record.faceVerification?.attempts == attempt
                }
            }
        }
        try await Self.until(runner, "the hand-off") { $0.state.handOffReason == .faceMismatch }
        #expect(await verifier.seen.map(\.attempt) == [1, 2, 3])
        #expect(await camera.began == 1)
        #expect(await camera.ended == 1)
        #expect(log.all.filter { $0.contains("face attempt 3: noMatch (0.31)") }.count == 1)
        await runner.stop()
    }

    @Test func stalledCamera_handsOffWithDeviceUnavailable() async throws {
        let dir = try TemporaryDirectory("runner-face-stalled")
        defer { dir.remove() }
        let camera = CountingCamera(failure: .stalled)
        let verifier = ScriptedVerifier([.decided(.match, score: 0.99)])
        let log = LineCollector()
        let runner = try Self.runner(in: dir, faceCheck: FaceCheck(camera: camera, verifier: verifier), log: log)
        let loop = Task { await runner.run() }
        defer { loop.cancel() }

        try await Self.toCamera(runner)
        #expect(try await runner.send(.captureFace) == .applied)
        try await Self.until(runner, "the hand-off") { $0.state.handOffReason == .deviceUnavailable }
        #expect(await verifier.seen.isEmpty)
        #expect(await camera.ended == 1)
        #expect(log.all.contains { $0.contains("face attempt 1: camera failed (stalled)") })
        await runner.stop()
    }

    @Test func requiredWithoutACamera_handsOffInsteadOfSkipping() async throws {
        let dir = try TemporaryDirectory("runner-face-absent")
        defer { dir.remove() }
        let log = LineCollector()
        let runner = try Self.runner(in: dir, faceCheck: nil, log: log)
        let loop = Task { await runner.run() }
        defer { loop.cancel() }

        #expect(try await runner.send(.start(transactionID: "T1", kioskID: "K1")) == .applied)
        #expect(try await runner.send(.cardRead(Self.card)) == .applied)
        try await Self.until(runner, "the hand-off") { $0.state.handOffReason == .deviceUnavailable }
        #expect(await runner.uiView.state.session?.record.faceVerification?.decision == "cameraFailed")
        #expect(log.all.contains { $0.contains("no camera and identity service are set up") })
        await runner.stop()
    }
}
