import Foundation
import Glibc
import Testing

@testable import KioskIO

/// The V4L2 camera with no camera attached (there is no /dev/video* here; docs/camera-v4l2.md says what was tried
/// against a real driver): the errors a technician sees, and close() waking a wait.
@Suite struct V4L2CameraTests {
    @Test func missingPath_isAbsent_forProbeAndOpen() {
        let camera = V4L2Camera(path: "/dev/no-such-camera")
        #expect(throws: CameraError.absent(path: "/dev/no-such-camera")) {
            try camera.probe(deadline: .after(seconds: 2))
        }
        #expect(throws: CameraError.absent(path: "/dev/no-such-camera")) {
            try camera.open(deadline: .after(seconds: 2))
        }
    }

    @Test func devNull_isNotACaptureDevice() {
        let camera = V4L2Camera(path: "/dev/null")
        let expected = CameraError.notACaptureDevice(path: "/dev/null", why: "it does not answer VIDIOC_QUERYCAP")
        #expect(throws: expected) { try camera.probe(deadline: .after(seconds: 2)) }
        #expect(throws: expected) { try camera.open(deadline: .after(seconds: 2)) }
        #expect(expected.description == "/dev/null is not a V4L2 capture device: it does not answer VIDIOC_QUERYCAP")
    }

    @Test func pseudoTerminal_isNotACaptureDevice() throws {
        let pty = try PseudoTerminal()
        defer { pty.unplug() }
        let camera = V4L2Camera(path: pty.replicaPath)
        #expect(throws: CameraError.notACaptureDevice(path: pty.replicaPath, why: "it does not answer VIDIOC_QUERYCAP"))
        {
            try camera.open(deadline: .after(seconds: 2))
        }
        #expect(camera.streamFormat == nil)
    }

    @Test func neverOpened_closeReturns_andNextFrameSaysClosed() {
        let camera = V4L2Camera(path: "/dev/no-such-camera")
        camera.close()
        camera.close()
        #expect(throws: CameraError.closed) { try camera.nextFrame(deadline: .after(seconds: 1)) }
    }

    @Test func nothingArrives_nextFrameStallsAtItsDeadline() throws {
        let (camera, writer) = try cameraWaitingOnPipe()
        defer { Glibc.close(writer) }
        let started = ContinuousClock.now
        #expect(throws: CameraError.stalled) { try camera.nextFrame(deadline: .after(.milliseconds(300))) }
        #expect(ContinuousClock.now - started >= .milliseconds(290))
        camera.close()
    }

    @Test func closeFromAnotherThread_wakesABlockedNextFrame() async throws {
        let (camera, writer) = try cameraWaitingOnPipe()
        defer { Glibc.close(writer) }
        let started = ContinuousClock.now
        let waiting = Task.detached { () -> CameraError? in
            do throws(CameraError) {
                _ = try camera.nextFrame(deadline: .after(.seconds(30)))
                return nil
            } catch {
                return error
            }
        }
        // Close only once the wait is inside poll(2): the session counts it as an active call.
        let entered = Deadline.after(.seconds(10))
        while !camera.hasActiveCallForTesting, !entered.hasPassed { await Task.yield() }
        #expect(camera.hasActiveCallForTesting)
        camera.close()
        #expect(await waiting.value == CameraError.closed)
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(throws: CameraError.closed) { try camera.nextFrame(deadline: .after(seconds: 1)) }
    }

    /// A camera whose session waits on the read end of a pipe nobody writes to: a device that never gives a frame.
    private func cameraWaitingOnPipe() throws -> (V4L2Camera, Int32) {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        let wake = V4L2Camera.makeWakeDescriptorForTesting()
        try #require(wake >= 0)
        let camera = V4L2Camera(path: "/dev/test-camera")
        let format = V4L2StreamFormat(
            fourCC: .yuyv, width: 640, height: 480, bytesPerLine: 1280, requestedWidth: 640, requestedHeight: 480,
            fullRange: false)
        camera.begin(fd: ends[0], wake: wake, buffers: V4L2Buffers(noneOn: ends[0]), format: format)
        return (camera, ends[1])
    }
}
