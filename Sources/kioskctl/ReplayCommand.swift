import Foundation
import KioskIO
import KioskProtocols
import KioskSimulators

/// `kioskctl simulate id-reader|receipt-printer|dispenser --replay FILE`: a simulator that answers like the device
/// in a `kioskctl capture` file (docs/device-capture.md §Replay), so a misbehaving terminal's trace becomes a test.
/// Prints where it listens (`pty: PATH` or `tcp: HOST:PORT`), logs each request the capture does not hold to stderr
/// (unanswered), and runs until SIGINT or SIGTERM.
enum ReplayCommand {
    static let usage = """
        usage: kioskctl simulate id-reader --replay FILE
               kioskctl simulate receipt-printer|dispenser --replay FILE [--port N]
          Answers each request with the reply that followed the same request in the capture, in order; a request
          the capture does not hold gets no answer and is logged.
        """

    static func run(_ device: String, _ arguments: [String]) -> Int32 {
        let args: Arguments
        do {
            args = try Arguments(arguments, valued: ["replay", "port"], switches: ["help"])
        } catch {
            return KioskCtl.usageError(error.description)
        }
        if args.flags.contains("help") {
            Console.line(usage)
            return 0
        }
        guard let path = args.values["replay"], args.positionals.isEmpty else {
            return KioskCtl.usageError("simulate \(device) --replay needs FILE and nothing else")
        }
        let capture: DeviceCapture
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let size = (attributes[.size] as? Int) ?? 0
            guard size <= DeviceCapture.maximumTextBytes else {
                return KioskCtl.failure(
                    "\(path) is \(size) bytes; a capture is at most \(DeviceCapture.maximumTextBytes)")
            }
            capture = try DeviceCapture(
                parsing: String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self))
        } catch let error as CaptureFormatError {
            return KioskCtl.failure("\(path): \(error)")
        } catch {
            return KioskCtl.failure("cannot read \(path): \(error.localizedDescription)")
        }
        let unmatched: @Sendable ([UInt8]) -> Void = { request in
            Console.error(
                "replay: no answer in the capture for \(hex(request.prefix(64)))\(request.count > 64 ? "…" : "")")
        }
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let simulator: CaptureReplaySimulator
        do {
            switch device {
            case "id-reader":
                simulator = try CaptureReplaySimulator.idReader(capture, onUnmatched: unmatched)
                Console.line("pty: \(simulator.endpoint)")
            default:
                let port = try args.integer("port") ?? 0
                guard (0...65535).contains(port) else { return KioskCtl.usageError("--port must be 0–65535") }
                simulator = try CaptureReplaySimulator.escposPrinter(
                    capture, port: UInt16(port), onUnmatched: unmatched)
                Console.line("tcp: \(simulator.endpoint)")
            }
        } catch let error as Arguments.UsageError {
            return KioskCtl.usageError(error.description)
        } catch {
            return KioskCtl.failure("cannot start the replay simulator: \(error)")
        }
        Console.error(
            "replaying \(capture.header.role) from \(path) (\(simulator.exchangeCount) exchanges); stop with Ctrl-C or SIGTERM"
        )
        let stop = DispatchSemaphore(value: 0)
        let sources = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stop.signal() }
            source.resume()
            return source
        }
        stop.wait()
        sources.forEach { $0.cancel() }
        simulator.stop()
        Console.error("replay answered \(simulator.answeredCount) of \(simulator.exchangeCount) exchanges")
        return 0
    }

    private static func hex(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.map {
            String($0, radix: 16, uppercase: true).count == 1
                ? "0" + String($0, radix: 16, uppercase: true) : String($0, radix: 16, uppercase: true)
        }.joined()
    }
}
