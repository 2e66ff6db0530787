import Foundation
import Testing

/// `kioskctl direct camera` as a real process with no camera here (docs/camera-v4l2.md): what a technician sees for
/// a missing node, a node that is not a camera, and a usage error.
@Suite struct KioskctlCameraTests {
    @Test func missingDevice_exits1_sayingNoCamera() throws {
        let run = try ProcessRunner.run("kioskctl", ["direct", "camera", "--device", "/dev/no-such-video9"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("kioskctl: camera /dev/no-such-video9: no camera at /dev/no-such-video9"))
        #expect(run.stdout.isEmpty)
    }

    @Test func devNull_exits1_sayingItIsNotAV4L2CaptureDevice() throws {
        let run = try ProcessRunner.run("kioskctl", ["direct", "camera", "--device", "/dev/null", "--frames", "1"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("/dev/null is not a V4L2 capture device: it does not answer VIDIOC_QUERYCAP"))
    }

    @Test(arguments: [
        (["direct", "camera"], "--device is required"),
        (["direct", "camera", "--device", "/dev/video0", "--frames", "0"], "--frames must be 1…1000"),
        (["direct", "camera", "--device", "/dev/video0", "--width", "8"], "--width and --height must be 16…4096"),
    ])
    func badArguments_exit2(arguments: [String], message: String) throws {
        let run = try ProcessRunner.run("kioskctl", arguments)
        #expect(run.status == 2)
        #expect(run.stderr.contains(message))
    }
}
