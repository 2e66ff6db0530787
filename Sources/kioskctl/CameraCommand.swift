import Foundation
import KioskIO

/// `kioskctl direct camera` (issue 15): a technician at the bench checks a V4L2 camera without kioskd — what the
/// driver says it is, which formats it offers, which we choose and at what size, how long the first frame takes.
/// The frame is someone's face: it is written only where `--out` says (docs/camera-v4l2.md).
enum CameraCommand {
    static let help = """
        kioskctl direct camera --device PATH [--width 640] [--height 480] [--frames 5] [--timeout SECONDS] \
        [--out FILE.jpg]
            opens the camera as kioskd would (MJPEG, else YUYV converted to JPEG), prints QUERYCAP's driver, card and
            bus, the formats offered, the format chosen and the size the driver set, each frame's bytes and the time
            to the first frame; --out writes the last frame. Exit 0 when every frame arrived, 1 on a camera error
            (absent, busy, not a capture device, no supported format, stalled), 2 on a usage error.
        """

    static func run(_ arguments: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            Console.line(help)
            return 0
        }
        do {
            return try capture(arguments)
        } catch {
            return KioskCtl.usageError(error.description)
        }
    }

    private static func capture(_ arguments: [String]) throws(Arguments.UsageError) -> Int32 {
        let args = try Arguments(arguments, valued: ["device", "width", "height", "frames", "timeout", "out"])
        guard let path = args.values["device"] else { throw Arguments.UsageError(description: "--device is required") }
        let width = try args.integer("width") ?? 640
        let height = try args.integer("height") ?? 480
        let frames = try args.integer("frames") ?? 5
        let timeout = try args.seconds("timeout") ?? 5
        guard (16...4096).contains(width), (16...4096).contains(height) else {
            throw Arguments.UsageError(description: "--width and --height must be 16…4096")
        }
        guard (1...1000).contains(frames) else { throw Arguments.UsageError(description: "--frames must be 1…1000") }
        guard DeviceNodeLock.probe(path) != .held else {
            return KioskCtl.failure(
                "\(path) is in use by kioskd (or another program holds it); direct mode would fight it over the "
                    + "camera. Stop kioskd first (systemctl stop kioskd).")
        }
        let camera = V4L2Camera(path: path, width: width, height: height)
        defer { camera.close() }
        let started = ContinuousClock.now
        do throws(CameraError) {
            try camera.open(deadline: .after(seconds: timeout))
        } catch {
            if let description = camera.deviceDescription { print(description) }
            return KioskCtl.failure("camera \(path): \(error)")
        }
        if let description = camera.deviceDescription { print(description) }
        if let format = camera.streamFormat {
            let adjusted = format.driverAdjustedSize ? " (asked for \(width)×\(height); the driver adjusted it)" : ""
            Console.line("chosen:  \(format.fourCC) \(format.width)×\(format.height)\(adjusted)")
        }
        var last: CameraFrame?
        for index in 1...frames {
            do throws(CameraError) {
                let frame = try camera.nextFrame(deadline: .after(seconds: timeout))
                if index == 1 { Console.line("first frame after \(milliseconds(ContinuousClock.now - started)) ms") }
                Console.line(
                    "frame \(index): \(camera.lastFrameRawBytes) bytes from the driver, \(frame.jpeg.count) bytes "
                        + "JPEG \(frame.width)×\(frame.height)")
                last?.wipe()
                last = frame
            } catch {
                return KioskCtl.failure("camera \(path): frame \(index): \(error)")
            }
        }
        if let out = args.values["out"], let last {
            do {
                try Data(last.jpeg).write(to: URL(fileURLWithPath: out), options: .atomic)
                Console.line("wrote the last frame to \(out)")
            } catch {
                return KioskCtl.failure("cannot write \(out): \(error.localizedDescription)")
            }
        }
        last?.wipe()
        return 0
    }

    private static func print(_ description: V4L2DeviceDescription) {
        Console.line("driver:  \(description.driver)")
        Console.line("card:    \(description.card)")
        Console.line("bus:     \(description.busInfo)")
        Console.line("caps:    0x\(String(description.capabilities, radix: 16))")
        let offered = description.formats.map { "\($0.fourCC) (\($0.description))" }
        Console.line("formats: \(offered.isEmpty ? "none" : offered.joined(separator: ", "))")
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
