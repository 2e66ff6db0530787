import Foundation
import KioskIO
import KioskSimulators
import Testing

@testable import KioskDevices

/// The camera driver over the simulated camera (real frames from the shipped synthetic faces, real threads): health
/// from probes between sessions, streaming only while asked, fresh frames for capture, a throttled preview, faults
/// as health reasons and errors, and recovery.
struct CameraTests {
    static func simulated(framesPerSecond: Int = 15) throws -> SimulatedCamera {
        try SimulatedCamera(directory: try #require(SimulatedCamera.shippedDirectory), framesPerSecond: framesPerSecond)
    }

    static func driver(_ camera: SimulatedCamera, frameTimeout: Duration = .milliseconds(500)) -> Camera {
        Camera(
            configuration: CameraConfiguration(
                path: camera.path, frameTimeout: frameTimeout, reprobeInterval: .milliseconds(200)),
            source: { camera })
    }

    /// Waits (with a deadline) until the driver's health has `reasons` (and `state`).
    static func waitForHealth(
        _ driver: Camera, _ state: DeviceHealth.State, _ reasons: [String] = [], within: Duration = .seconds(5)
    ) async -> DeviceHealth {
        let deadline = Deadline.after(within)
        var health = await driver.health
        while !(health.state == state && health.reasons == reasons) && !deadline.hasPassed {
            try? await Task.sleep(for: .milliseconds(20))
            health = await driver.health
        }
        return health
    }

    @Test func theShippedFacesAreSmallJPEGsOfTheConfiguredSize() throws {
        let directory = try #require(SimulatedCamera.shippedDirectory)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".jpg") }
        #expect(names.count == 2)
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(name)))
            #expect(bytes.count < 50 * 1024, "\(name)")
            let frame = CameraFrame(jpeg: bytes, width: 640, height: 480)
            let checked = try CameraFrameCheck.checked(frame, limit: 200 * 1024)
            #expect(checked === frame, "a whole JPEG with its tables is handed on as it is")
        }
    }

    @Test func betweenSessionsTheCameraIsProbedAndClosed_streamingOpensIt_endingClosesIt() async throws {
        let camera = try Self.simulated()
        let driver = Self.driver(camera)
        let running = Task { await driver.run() }
        defer { driver.stop() }
        #expect(await Self.waitForHealth(driver, .ready).state == .ready)
        #expect(!camera.isOpen && camera.openCount == 0)  // a probe does not stream
        await driver.beginStreaming()
        let frame = try await driver.capture(deadline: .after(.seconds(2)))
        #expect(frame.width == 640 && frame.height == 480)
        #expect(frame.jpeg.starts(with: [0xFF, 0xD8]) && frame.jpeg.count <= 200 * 1024)
        #expect(camera.isOpen)
        await driver.endStreaming()
        #expect(!camera.isOpen)
        await #expect(throws: CameraError.closed) { try await driver.capture(deadline: .after(.seconds(1))) }
        driver.stop()
        await running.value
    }

    @Test func captureReturnsAFrameTakenAfterTheCall() async throws {
        let camera = try Self.simulated()
        let driver = Self.driver(camera)
        defer { driver.stop() }
        await driver.beginStreaming()
        _ = try await driver.capture(deadline: .after(.seconds(2)))  // the loop runs
        for _ in 0..<3 {
            let before = camera.framesDelivered
            let frame = try await driver.capture(deadline: .after(.seconds(2)))
            #expect(camera.framesDelivered > before, "a frame from before the call was returned")
            frame.wipe()
            #expect(frame.jpeg.isEmpty)
        }
    }

    @Test func thePreviewIsThrottledToTheAskedRate_andEndsWithTheStream() async throws {
        let camera = try Self.simulated(framesPerSecond: 30)
        let driver = Self.driver(camera)
        defer { driver.stop() }
        await driver.beginStreaming()
        _ = try await driver.capture(deadline: .after(.seconds(2)))
        let preview = await driver.previewFrames(maximumPerSecond: 5)
        var arrivals: [ContinuousClock.Instant] = []
        for await frame in preview {
            arrivals.append(.now)
            frame.wipe()
            if arrivals.count == 11 { break }
        }
        let elapsed = arrivals.last! - arrivals.first!
        // 10 intervals at no more than 5 a second take at least 2 s (less a scheduling margin); the source gave
        // about 60 frames meanwhile.
        #expect(elapsed >= .milliseconds(1900), "10 preview intervals took \(elapsed)")
        #expect(elapsed < .seconds(4), "the preview fell far below its rate: \(elapsed)")
        let second = await driver.previewFrames(maximumPerSecond: 10)
        let ending = Task { () -> Int in
            var count = 0
            for await frame in second {
                count += 1
                frame.wipe()
            }
            return count
        }
        _ = try await driver.capture(deadline: .after(.seconds(2)))
        await driver.endStreaming()
        _ = await ending.value  // the stream ended with the session
        var afterwards = 0
        for await _ in await driver.previewFrames(maximumPerSecond: 10) { afterwards += 1 }
        #expect(afterwards == 0)
    }

    @Test func faultsBecomeHealthReasonsAndErrors_andTheCameraRecovers() async throws {
        let camera = try Self.simulated()
        let driver = Self.driver(camera)
        let running = Task { await driver.run() }
        defer { driver.stop() }
        #expect(await Self.waitForHealth(driver, .ready).state == .ready)

        // Between sessions: an unplugged or busy camera shows on the next probe (hotplug's reopenNow).
        camera.setFault(.absent)
        await driver.reopenNow()
        let absent = await driver.health
        #expect(absent.state == .disconnected && absent.reasons == ["absent"])
        #expect(absent.lastError?.path == camera.path)
        camera.setFault(.busy)
        #expect(await Self.waitForHealth(driver, .faulted, ["busy"]).reasons == ["busy"])  // the slow re-probe
        camera.setFault(.ok)
        #expect(await Self.waitForHealth(driver, .ready).state == .ready)

        // While streaming: garbage frames, a stall, an unplug.
        await driver.beginStreaming()
        _ = try await driver.capture(deadline: .after(.seconds(2)))
        camera.setFault(.garbage)
        #expect(await Self.waitForHealth(driver, .faulted, ["bad-frames"]).reasons == ["bad-frames"])
        await #expect {
            try await driver.capture(deadline: .after(.milliseconds(500)))
        } throws: { error in
            if case .garbage = error as? CameraError { return true }
            return false
        }
        camera.setFault(.stalled)
        #expect(await Self.waitForHealth(driver, .disconnected, ["stalled"]).reasons == ["stalled"])
        await #expect(throws: CameraError.stalled) { try await driver.capture(deadline: .after(.milliseconds(300))) }
        camera.setFault(.absent)
        #expect(await Self.waitForHealth(driver, .disconnected, ["absent"]).reasons == ["absent"])
        await #expect(throws: CameraError.absent(path: camera.path)) {
            try await driver.capture(deadline: .after(.seconds(2)))
        }
        camera.setFault(.ok)
        #expect(await Self.waitForHealth(driver, .ready).state == .ready)
        let frame = try await driver.capture(deadline: .after(.seconds(3)))
        #expect(frame.jpeg.starts(with: [0xFF, 0xD8]))
        await driver.endStreaming()
        driver.stop()
        await running.value
    }

    @Test func aFrameOverTheIdentityServiceLimitIsRefused() async throws {
        let camera = try Self.simulated()
        let driver = Camera(
            configuration: CameraConfiguration(path: camera.path, maximumFrameBytes: 1000), source: { camera })
        defer { driver.stop() }
        await driver.beginStreaming()
        await #expect {
            try await driver.capture(deadline: .after(.seconds(2)))
        } throws: { error in
            if case .frameTooLarge(let bytes, let limit) = error as? CameraError {
                return bytes > 1000 && limit == 1000
            }
            return false
        }
    }
}
