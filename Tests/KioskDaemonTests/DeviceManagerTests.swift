import Foundation
import Glibc
import KioskCore
import KioskDevices
import KioskIO
import Testing

@testable import KioskDaemon

/// The hotplug wiring (docs/ARCHITECTURE.md §4.7): which devices the monitor looks for, the `hotplug` config section,
/// the ModemManager/brltty warnings, and the manager on real kernel uevents.
@Suite(.serialized) struct DeviceManagerTests {
    @Test func eachEndpointBecomesATargetOnTheSubsystemItsDriverOpens() {
        let devices: [DeviceRole: DeviceConfig] = [
            .idReader: DeviceConfig(endpoint: .serial(path: "/dev/kioskd/idReader", baud: 115200)),
            .receiptPrinter: DeviceConfig(endpoint: .usblp(path: "/dev/kioskd/receiptPrinter")),
            .ticketDispenser: DeviceConfig(endpoint: .usb(vendorID: 0x0dd4, productID: 0x0237, serialNumber: "K1")),
            .licencePrinter: DeviceConfig(endpoint: .cups(queue: "licence-a3", server: nil)),
        ]
        #expect(
            DeviceManager.targets(for: devices) == [
                HotplugTarget(role: .idReader, subsystem: "tty", criterion: .node("/dev/kioskd/idReader")),
                HotplugTarget(
                    role: .receiptPrinter, subsystem: "usbmisc", criterion: .node("/dev/kioskd/receiptPrinter")),
                HotplugTarget(
                    role: .ticketDispenser, subsystem: "usb", devtype: "usb_device",
                    criterion: .usb(vendorID: 0x0dd4, productID: 0x0237, serialNumber: "K1")),
            ])
        #expect(
            DeviceManager.targets(for: devices, idPaths: [.idReader: "pci-0000:00:14.0-usb-0:2:1.0"]).first
                == HotplugTarget(role: .idReader, subsystem: "tty", criterion: .idPath("pci-0000:00:14.0-usb-0:2:1.0")))
        // Simulators' pseudo-terminals and network printers never come through udev.
        let notHotplugged: [DeviceRole: DeviceConfig] = [
            .idReader: DeviceConfig(endpoint: .serial(path: "/dev/pts/7", baud: 115200)),
            .receiptPrinter: DeviceConfig(endpoint: .tcp(host: "127.0.0.1", port: 9100)),
        ]
        #expect(DeviceManager.targets(for: notHotplugged).isEmpty)
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The shipped example and the shipped udev rules agree: every role the example opens by path has a rule naming it
    /// `/dev/kioskd/<role>`, every role is tagged with its `KIOSKD_ROLE`, one group throughout, no catch-all printer.
    @Test func theShippedRulesNameEveryRoleOfTheShippedExample() throws {
        let config = try DaemonConfig.load(
            path: Self.repository.appendingPathComponent("systemd/kioskd.json.example").path)
        #expect(config.hotplug == HotplugConfig())
        let rules = try String(
            contentsOf: Self.repository.appendingPathComponent("udev-rules/70-kioskd.rules"), encoding: .utf8)
        let lines = rules.replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        for target in DeviceManager.targets(for: config.devices) {
            let role = target.role.rawValue
            #expect(
                lines.contains { $0.contains("ENV{KIOSKD_ROLE}=\"\(role)\"") && $0.contains("TAG+=\"kioskd\"") },
                "\(role)")
            #expect(lines.contains { $0.contains("SYMLINK+=\"kioskd/\(role)\"") }, "/dev/kioskd/\(role)")
            if case .node(let path) = target.criterion { #expect(path == "/dev/kioskd/\(role)") }
        }
        for line in lines where line.contains("GROUP=") { #expect(line.contains("GROUP=\"kioskd\""), "\(line)") }
        for line in lines where line.contains("usbmisc") {
            #expect(line.contains("ATTRS{idVendor}==") && line.contains("ATTRS{idProduct}=="), "\(line)")
        }
        for line in lines where line.contains("SUBSYSTEM==\"tty\"") {
            #expect(line.contains("ENV{ID_MM_DEVICE_IGNORE}=\"1\""), "\(line)")
        }
    }

    @Test func theHotplugSectionIsReadAndCheckedByKey() throws {
        let config = try DaemonConfig.parse(
            Data(
                #"{"kioskID": "K-1", "hotplug": {"settleSeconds": 2.5, "reconcileSeconds": 30, "idPath": {"idReader": "pci-0000:00:14.0-usb-0:2:1.0"}}}"#
                    .utf8), file: "kioskd.json")
        #expect(config.hotplug.settleDelay == .milliseconds(2500))
        #expect(config.hotplug.reconcileInterval == .seconds(30))
        #expect(config.hotplug.idPaths == [.idReader: "pci-0000:00:14.0-usb-0:2:1.0"])
        #expect(try DaemonConfig.parse(Data(#"{"kioskID": "K-1"}"#.utf8), file: "k").hotplug == HotplugConfig())
        #expect {
            try DaemonConfig.parse(Data(#"{"kioskID": "K-1", "hotplug": {"settleSeconds": 31}}"#.utf8), file: "k")
        } throws: { "\($0)".contains("hotplug.settleSeconds") }
        #expect {
            try DaemonConfig.parse(Data(#"{"kioskID": "K-1", "hotplug": {"settle": 1}}"#.utf8), file: "k")
        } throws: { "\($0)".contains("hotplug") && "\($0)".contains("settle") }
    }

    @Test func modemManagerAndBrlttyAreNamedWhenTheyWouldGrabAConfiguredSerialPort() {
        let ignored = UdevDevice(
            subsystem: "tty", devnode: "/dev/ttyUSB0", syspath: "/devices/x/ttyUSB0",
            properties: ["ID_MM_DEVICE_IGNORE": "1"])
        let exposed = UdevDevice(subsystem: "tty", devnode: "/dev/ttyUSB1", syspath: "/devices/x/ttyUSB1")
        #expect(SerialPortGrabbers.warnings(ports: [.idReader: ignored], running: ["ModemManager", "sshd"]).isEmpty)
        let warnings = SerialPortGrabbers.warnings(ports: [.idReader: exposed], running: ["ModemManager", "brltty"])
        #expect(warnings.count == 2)
        #expect(warnings[0].contains("ModemManager") && warnings[0].contains("/dev/ttyUSB1"))
        #expect(warnings[1].contains("brltty"))
        #expect(SerialPortGrabbers.warnings(ports: [.idReader: exposed], running: ["sshd"]).isEmpty)
    }

    /// What the manager told the flow and the drivers, recorded with a condition so tests wait on it with deadlines.
    final class Recorder: @unchecked Sendable {
        private let condition = NSCondition()
        private var entries: [String] = []

        func add(_ entry: String) {
            condition.lock()
            entries.append(entry)
            condition.broadcast()
            condition.unlock()
        }

        /// Waits until `entry` has been recorded `count` times; false at the deadline.
        func wait(for entry: String, count: Int = 1, within timeout: TimeInterval) -> Bool {
            let end = Date().addingTimeInterval(timeout)
            condition.lock()
            defer { condition.unlock() }
            while entries.filter({ $0 == entry }).count < count {
                if !condition.wait(until: end) { return entries.filter({ $0 == entry }).count >= count }
            }
            return true
        }

        var all: [String] {
            condition.lock()
            defer { condition.unlock() }
            return entries
        }
    }

    static func manager(path: String, recorder: Recorder, settle: Duration = .milliseconds(300)) -> DeviceManager {
        DeviceManager(
            devices: [.idReader: DeviceConfig(endpoint: .serial(path: path, baud: 115200))],
            hotplug: HotplugConfig(settleDelay: settle, reconcileInterval: .seconds(3600)), routes: DeviceRoutes(),
            logger: Logger(level: .error),
            report: { role, health in recorder.add("report \(role.rawValue) \(health)") },
            resync: { role in recorder.add("resync \(role.rawValue)") })
    }

    static let tty = "/sys/devices/virtual/tty/tty"
    /// Writing an action to a device's `uevent` file makes the kernel announce it (what `udevadm trigger` does);
    /// the device itself stays.
    static let canTrigger = access(tty + "/uevent", W_OK) == 0

    static func trigger(_ action: String) throws {
        try action.write(toFile: tty + "/uevent", atomically: false, encoding: .utf8)
    }

    /// `/dev/tty` stands in for a serial reader: a tty that is there, whose remove and add the kernel announces on
    /// request. The kernel source is used because no udevd runs on test machines.
    @Test(.enabled(if: canTrigger)) func realUeventsRemoveReportsAtOnceAndAnAddReopensAfterTheSettleDelay() async throws
    {
        let recorder = Recorder()
        let manager = Self.manager(path: "/dev/tty", recorder: recorder)
        manager.start(source: .kernel)
        #expect(recorder.wait(for: "resync idReader", within: 5), "present at start: opened at once \(recorder.all)")
        try Self.trigger("remove")
        #expect(recorder.wait(for: "report idReader disconnected (disconnected)", within: 5), "\(recorder.all)")
        let added = ContinuousClock.now
        try Self.trigger("add")
        #expect(recorder.wait(for: "resync idReader", count: 2, within: 5), "\(recorder.all)")
        #expect(ContinuousClock.now - added >= .milliseconds(290), "not before the settle delay")
        // A change of the open device does nothing; the remove after it shows it was handled (events are in order).
        try Self.trigger("change")
        try Self.trigger("remove")
        #expect(recorder.wait(for: "report idReader disconnected (disconnected)", count: 2, within: 5))
        #expect(
            recorder.all.filter { $0.hasPrefix("resync") }.count == 2, "the change reopened nothing: \(recorder.all)")
        try Self.trigger("add")
        let stopping = ContinuousClock.now
        await manager.stop()
        #expect(ContinuousClock.now - stopping < .seconds(1), "stop wakes the monitor thread at once")
        #expect(!recorder.all.contains { $0.contains("absent") })
    }

    @Test func aConfiguredDeviceMissingAtStartIsAbsentNotAGenericDisconnect() async {
        let recorder = Recorder()
        let manager = Self.manager(path: "/dev/kioskd-test/idReader", recorder: recorder)
        manager.start(source: .kernel)
        #expect(recorder.wait(for: "report idReader disconnected (absent)", within: 5), "\(recorder.all)")
        // The driver's own failing reopen is shown as absent too, and other states pass unchanged.
        #expect(
            manager.presenting(.idReader, DeviceHealth(.disconnected, reasons: ["disconnected"]))
                == DeviceHealth(.disconnected, reasons: ["absent"]))
        #expect(manager.presenting(.idReader, DeviceHealth(.ready)) == DeviceHealth(.ready))
        await manager.stop()
    }
}
