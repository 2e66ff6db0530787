import Foundation
import KioskCore
import KioskIO
import KioskSimulators

/// Every device of a terminal as a simulator speaking the real protocol on a real endpoint: the ID reader on a PTY,
/// the receipt printer and the dispenser on TCP (127.0.0.1), the licence printer through a private cupsd with
/// ippeveprinter when installed (otherwise an announced PDF directory). The daemon then opens them exactly as it
/// would open real devices.
public final class SimulatedTerminal: @unchecked Sendable {
    public let idReader: IDReaderSimulator
    public let receiptPrinter: ESCPOSPrinterSimulator
    public let ticketDispenser: ESCPOSPrinterSimulator
    public let cups: PrivateCUPS?
    /// The camera: synthetic faces from a directory (`simulation.cameraDirectory`, else the shipped ones); nil when
    /// no directory has any (then `--simulate` runs without a camera, and says so).
    public let camera: SimulatedCamera?
    /// The central simulator the push and registration point at (nil with `--no-central`, or when the config names
    /// its own `central`/`authority` settings).
    public internal(set) var centre: SimulatedCentre?
    /// Where printed receipts, tickets and sink licences are written as files.
    public let outputDirectory: URL

    private init(
        outputDirectory: URL, idReader: IDReaderSimulator, receiptPrinter: ESCPOSPrinterSimulator,
        ticketDispenser: ESCPOSPrinterSimulator, cups: PrivateCUPS?, camera: SimulatedCamera?
    ) {
        self.outputDirectory = outputDirectory
        self.idReader = idReader
        self.receiptPrinter = receiptPrinter
        self.ticketDispenser = ticketDispenser
        self.cups = cups
        self.camera = camera
    }

    /// Starts every simulator; `useCUPS` asks for the private cupsd when it is installed.
    public static func start(
        outputDirectory: URL, useCUPS: Bool, cameraDirectory: String? = nil, logger: Logger
    ) async throws -> SimulatedTerminal {
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        let idReader = try IDReaderSimulator(timing: .realistic)
        let receiptPrinter = try ESCPOSPrinterSimulator.startTCP(options: .receiptPrinter)
        let ticketDispenser = try ESCPOSPrinterSimulator.startTCP(
            options: .dispenser(ticketTaking: .afterStatusPolls(2)))
        var cups: PrivateCUPS?
        if useCUPS, PrivateCUPS.isAvailable {
            do {
                cups = try await PrivateCUPS.start(queue: "licence")
            } catch {
                idReader.stop()
                receiptPrinter.stop()
                ticketDispenser.stop()
                throw error
            }
        } else if useCUPS {
            logger.notice("simulate", "cupsd/ippeveprinter not installed: \(PrivateCUPS.reasonUnavailable ?? "")")
        }
        return SimulatedTerminal(
            outputDirectory: outputDirectory, idReader: idReader, receiptPrinter: receiptPrinter,
            ticketDispenser: ticketDispenser, cups: cups, camera: simulatedCamera(cameraDirectory, logger: logger))
    }

    public var licenceDirectory: URL { outputDirectory.appendingPathComponent("licences") }

    /// The configuration that points the daemon at these simulators.
    public var devices: [DeviceRole: DeviceConfig] {
        var devices: [DeviceRole: DeviceConfig] = [
            .idReader: DeviceConfig(endpoint: .serial(path: idReader.devicePath, baud: 115200)),
            .receiptPrinter: DeviceConfig(endpoint: Self.endpoint(of: receiptPrinter), profile: "generic-80"),
            .ticketDispenser: DeviceConfig(endpoint: Self.endpoint(of: ticketDispenser), profile: "kpm-ticket-80"),
        ]
        if let camera {
            devices[.camera] = DeviceConfig(
                endpoint: .v4l2(path: camera.path, width: camera.width, height: camera.height))
        }
        if let cups {
            devices[.licencePrinter] = DeviceConfig(endpoint: .cups(queue: cups.queue, server: cups.socketPath))
        }
        return devices
    }

    private static func simulatedCamera(_ directory: String?, logger: Logger) -> SimulatedCamera? {
        guard let url = directory.map({ URL(fileURLWithPath: $0) }) ?? SimulatedCamera.shippedDirectory else {
            logger.warning("simulate", "no images for the simulated camera (set simulation.cameraDirectory)")
            return nil
        }
        do {
            return try SimulatedCamera(directory: url)
        } catch {
            logger.warning("simulate", "simulated camera: \(error)")
            return nil
        }
    }

    private static func endpoint(of simulator: ESCPOSPrinterSimulator) -> DeviceEndpoint {
        switch simulator.endpoint {
        case .tcp(let host, let port): .tcp(host: host, port: Int(port))
        case .pty(let path): .serial(path: path, baud: 115200)
        }
    }

    /// Writes what the printers printed (text with QR payloads) and copies the documents ippeveprinter received
    /// into the output directory, which outlives the private cupsd.
    public func writePrintouts() -> (receipts: URL, tickets: URL) {
        let receipts = outputDirectory.appendingPathComponent("receipts.txt")
        let tickets = outputDirectory.appendingPathComponent("tickets.txt")
        try? receiptPrinter.writeDocuments(to: receipts.path)
        try? ticketDispenser.writeDocuments(to: tickets.path)
        if let cups {
            try? FileManager.default.createDirectory(at: licenceDirectory, withIntermediateDirectories: true)
            for document in cups.receivedDocuments() {
                let copy = licenceDirectory.appendingPathComponent("received-" + document.lastPathComponent)
                if !FileManager.default.fileExists(atPath: copy.path) {
                    try? FileManager.default.copyItem(at: document, to: copy)
                }
            }
        }
        return (receipts, tickets)
    }

    public func stop() {
        idReader.stop()
        receiptPrinter.stop()
        ticketDispenser.stop()
        cups?.stop()
        centre?.stop()
    }
}
