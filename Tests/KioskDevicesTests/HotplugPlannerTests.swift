import KioskCore
import KioskDevices
import KioskIO
import Testing

/// The hotplug planner driven by event sequences (docs/ARCHITECTURE.md §4.7): pure, so every sequence is replayed
/// exactly, times included.
@Suite struct HotplugPlannerTests {
    static let reader = HotplugTarget(role: .idReader, subsystem: "tty", criterion: .node("/dev/kioskd/idReader"))
    static let dispenser = HotplugTarget(
        role: .ticketDispenser, subsystem: "usb", devtype: "usb_device",
        criterion: .usb(vendorID: 0x0dd4, productID: 0x0237, serialNumber: nil))

    /// A USB-serial reader as udev describes its tty: tagged by the rules, with a serial and a port path.
    static func readerTTY(
        node: String = "/dev/ttyUSB0", port: String = "1", serial: String? = "A1B2", tagged: Bool = true
    ) -> UdevDevice {
        var properties = [
            "ID_VENDOR_ID": "1a86", "ID_MODEL_ID": "7523", "ID_PATH": "pci-0000:00:14.0-usb-0:\(port):1.0",
            "DEVLINKS": "/dev/serial/by-path/pci-0000:00:14.0-usb-0:\(port):1.0-port0"
                + (tagged ? " /dev/kioskd/idReader" : ""),
        ]
        if tagged { properties["KIOSKD_ROLE"] = "idReader" }
        if let serial { properties["ID_SERIAL_SHORT"] = serial }
        return UdevDevice(
            subsystem: "tty", devnode: node,
            syspath:
                "/devices/pci0000:00/0000:00:14.0/usb1/1-\(port)/1-\(port):1.0/ttyUSB\(node.last!)/tty/\(node.dropFirst(5))",
            properties: properties)
    }

    static func dispenserUSB(node: String = "/dev/bus/usb/001/004", port: String = "3") -> UdevDevice {
        UdevDevice(
            subsystem: "usb", devtype: "usb_device", devnode: node, syspath: "/devices/pci0000:00/usb1/1-\(port)",
            properties: ["ID_VENDOR_ID": "0dd4", "ID_MODEL_ID": "0237", "ID_PATH": "pci-0000:00:14.0-usb-0:\(port)"])
    }

    static func seconds(_ value: Double) -> Duration { .milliseconds(Int((value * 1000).rounded())) }

    func planner(_ targets: [HotplugTarget] = [reader]) -> HotplugPlanner {
        HotplugPlanner(targets: targets, settings: .init(settleDelay: .seconds(1), reconcileInterval: .seconds(60)))
    }

    @Test func devicesPresentAtStartOpenAtOnceAndMissingOnesWaitWithTheirPath() {
        var planner = planner([Self.reader, Self.dispenser])
        let reader = Self.readerTTY()
        let actions = planner.start(with: [reader], at: .zero)
        #expect(
            actions == [
                .open(.idReader, node: "/dev/ttyUSB0", identity: reader.identity),
                .report(.ticketDispenser, .absent(waitingFor: "usb 0dd4:0237")),
            ])
        #expect(planner.subsystems == ["tty", "usb"])
        #expect(planner.nextWakeUp == .seconds(60))
    }

    @Test func anAddIsOpenedOnlyAfterTheSettleDelay() {
        var planner = planner()
        #expect(planner.start(with: [], at: .zero) == [.report(.idReader, .absent(waitingFor: "/dev/kioskd/idReader"))])
        let reader = Self.readerTTY()
        #expect(planner.handle(UdevEvent(.add, reader), at: .seconds(5)).isEmpty)
        #expect(planner.nextWakeUp == .seconds(6))
        #expect(planner.tick(at: Self.seconds(5.99)).isEmpty)
        #expect(
            planner.tick(at: .seconds(6)) == [
                .report(.idReader, .restored(node: "/dev/ttyUSB0")),
                .open(.idReader, node: "/dev/ttyUSB0", identity: reader.identity),
            ])
        #expect(planner.openNodes == [.idReader: "/dev/ttyUSB0"])
    }

    @Test func anAddStormOpensOnceASecondAfterTheLastAdd() {
        var planner = planner()
        _ = planner.start(with: [], at: .zero)
        let reader = Self.readerTTY()
        var opened: [HotplugAction] = []
        // Ten adds of the reader 0.3 s apart, interleaved with devices that match no role.
        for step in 0..<10 {
            let at = Duration.milliseconds(1000 + 300 * step)
            opened += planner.handle(UdevEvent(.add, reader), at: at)
            opened += planner.handle(
                UdevEvent(.add, Self.readerTTY(node: "/dev/ttyUSB7", port: "9", serial: "Z", tagged: false)), at: at)
            opened += planner.tick(at: at + .milliseconds(100))
        }
        #expect(opened.isEmpty)
        #expect(planner.nextWakeUp == .milliseconds(1000 + 2700 + 1000))
        let last = planner.tick(at: Self.seconds(4.7))
        #expect(last.filter { if case .open = $0 { true } else { false } }.count == 1)
        #expect(planner.handle(UdevEvent(.add, reader), at: .seconds(5)).isEmpty)
        #expect(planner.tick(at: .seconds(7)).isEmpty, "an add for the node already open does not reopen it")
    }

    @Test func aRemoveDuringTheSettleDelayCancelsTheOpen() {
        var planner = planner()
        _ = planner.start(with: [], at: .zero)
        let reader = Self.readerTTY()
        _ = planner.handle(UdevEvent(.add, reader), at: .seconds(1))
        #expect(planner.handle(UdevEvent(.remove, reader), at: Self.seconds(1.5)).isEmpty)
        #expect(planner.tick(at: .seconds(3)).isEmpty)
        #expect(planner.openNodes.isEmpty)
    }

    @Test func aRemoveClosesAndReportsAtOnceAndTheSameDeviceOnANewNodeIsReopenedThere() {
        var planner = planner()
        let first = Self.readerTTY(node: "/dev/ttyUSB0", port: "2")
        _ = planner.start(with: [first], at: .zero)
        #expect(
            planner.handle(UdevEvent(.remove, first), at: .seconds(10)) == [
                .close(.idReader), .report(.idReader, .disconnected),
            ])
        let back = Self.readerTTY(node: "/dev/ttyUSB1", port: "4")
        #expect(back.identity == first.identity, "same serial on another port and node: the same device")
        #expect(planner.handle(UdevEvent(.add, back), at: .seconds(12)).isEmpty)
        #expect(
            planner.tick(at: .seconds(13)) == [
                .report(.idReader, .restored(node: "/dev/ttyUSB1")),
                .open(.idReader, node: "/dev/ttyUSB1", identity: first.identity),
            ])
    }

    @Test func withoutASerialTheIdentityIsThePortPath() {
        let noSerial = Self.readerTTY(serial: nil)
        #expect(noSerial.identity.description == "path:pci-0000:00:14.0-usb-0:1:1.0")
        #expect(Self.readerTTY(serial: "X9").identity.description == "serial:1a86:7523:X9")
    }

    @Test func aMissedRemoveIsSeenWhenTheSameDeviceComesBackUnderAnotherKernelPath() {
        var planner = planner()
        let first = Self.readerTTY(node: "/dev/ttyUSB0", port: "2")
        _ = planner.start(with: [first], at: .zero)
        let back = Self.readerTTY(node: "/dev/ttyUSB1", port: "4")
        #expect(
            planner.handle(UdevEvent(.add, back), at: .seconds(20)) == [
                .close(.idReader), .report(.idReader, .disconnected),
            ])
        #expect(
            planner.tick(at: .seconds(21)).contains(.open(.idReader, node: "/dev/ttyUSB1", identity: back.identity)))
    }

    @Test func thePortsOfOneMultiPortAdapterAreDistinctDevices() {
        let printer = HotplugTarget(
            role: .receiptPrinter, subsystem: "tty", criterion: .node("/dev/kioskd/receiptPrinter"))
        var planner = planner([Self.reader, printer])
        // An FT4232-style adapter: one serial number for all its ports, told apart by the interface number.
        func port(_ number: Int, role: DeviceRole) -> UdevDevice {
            UdevDevice(
                subsystem: "tty", devnode: "/dev/ttyUSB\(number)",
                syspath: "/devices/usb1/1-2/1-2:1.\(number)/ttyUSB\(number)",
                properties: [
                    "ID_VENDOR_ID": "0403", "ID_MODEL_ID": "6011", "ID_SERIAL_SHORT": "FT1",
                    "KIOSKD_ROLE": role.rawValue,
                    "ID_USB_INTERFACE_NUM": "0\(number)", "ID_PATH": "pci-0000:00:14.0-usb-0:2:1.\(number)",
                ])
        }
        let readerPort = port(0, role: .idReader)
        let printerPort = port(1, role: .receiptPrinter)
        #expect(readerPort.identity != printerPort.identity)
        _ = planner.start(with: [], at: .zero)
        _ = planner.handle(UdevEvent(.add, readerPort), at: .seconds(1))
        _ = planner.handle(UdevEvent(.add, printerPort), at: .seconds(1))
        #expect(planner.tick(at: .seconds(2)).filter { if case .open = $0 { true } else { false } }.count == 2)
        #expect(planner.openNodes == [.idReader: "/dev/ttyUSB0", .receiptPrinter: "/dev/ttyUSB1"])
    }

    @Test func aSecondDeviceOfARoleWaitsAsASpareAndTakesOverWhenTheFirstGoes() {
        var planner = planner()
        let first = Self.readerTTY(node: "/dev/ttyUSB0", port: "2", serial: "AAA")
        let second = Self.readerTTY(node: "/dev/ttyUSB1", port: "3", serial: "BBB")
        _ = planner.start(with: [first], at: .zero)
        #expect(
            planner.handle(UdevEvent(.add, second), at: .seconds(5)) == [
                .ignoreExtra(.idReader, node: "/dev/ttyUSB1", identity: second.identity)
            ])
        #expect(planner.tick(at: .seconds(7)).isEmpty)
        // The spare has settled long since: it is opened in the same step the first one is closed.
        #expect(
            planner.handle(UdevEvent(.remove, first), at: .seconds(30)) == [
                .close(.idReader), .report(.idReader, .disconnected),
                .report(.idReader, .restored(node: "/dev/ttyUSB1")),
                .open(.idReader, node: "/dev/ttyUSB1", identity: second.identity),
            ])
    }

    @Test func changeEventsNeverReopenButADeviceThatStopsMatchingIsGone() {
        var planner = planner()
        let reader = Self.readerTTY()
        _ = planner.start(with: [reader], at: .zero)
        // `udevadm trigger --action=change`: same device, same node.
        #expect(planner.handle(UdevEvent(.change, reader), at: .seconds(3)).isEmpty)
        #expect(planner.tick(at: .seconds(5)).isEmpty)
        #expect(planner.openNodes == [.idReader: "/dev/ttyUSB0"])
        // The rules were edited and reloaded: the tty lost its role and its /dev/kioskd name.
        #expect(
            planner.handle(UdevEvent(.change, Self.readerTTY(tagged: false)), at: .seconds(8)) == [
                .close(.idReader), .report(.idReader, .disconnected),
            ])
        // A change that makes it match again settles like an add.
        #expect(planner.handle(UdevEvent(.change, reader), at: .seconds(9)).isEmpty)
        #expect(
            planner.tick(at: .seconds(10)).contains(.open(.idReader, node: "/dev/ttyUSB0", identity: reader.identity)))
    }

    @Test func theReconcileScanCatchesAMissedRemoveAndAMissedAdd() {
        var planner = planner([Self.reader, Self.dispenser])
        let reader = Self.readerTTY()
        _ = planner.start(with: [reader], at: .zero)
        #expect(planner.tick(at: .seconds(59)).isEmpty)
        #expect(planner.tick(at: .seconds(60)) == [.scan])
        #expect(planner.nextWakeUp == .seconds(120))
        // The reader was unplugged without a remove reaching us; the dispenser was plugged in unheard.
        let dispenser = Self.dispenserUSB()
        #expect(
            planner.reconcile(with: [dispenser], at: Self.seconds(60.2)) == [
                .close(.idReader), .report(.idReader, .disconnected),
            ])
        #expect(
            planner.tick(at: Self.seconds(61.2)) == [
                .report(.ticketDispenser, .restored(node: "/dev/bus/usb/001/004")),
                .open(.ticketDispenser, node: "/dev/bus/usb/001/004", identity: dispenser.identity),
            ])
        // Nothing changed: the next scan is quiet.
        #expect(planner.tick(at: .seconds(120)) == [.scan])
        #expect(planner.reconcile(with: [dispenser], at: Self.seconds(120.1)).isEmpty)
    }

    @Test func configMatchingByVIDPIDSerialAndPortPathAndOnlyOnTheRolesSubsystem() {
        let bySerial = HotplugTarget(
            role: .idReader, subsystem: "tty",
            criterion: .usb(vendorID: 0x1a86, productID: 0x7523, serialNumber: "A1B2"))
        #expect(bySerial.matches(Self.readerTTY(tagged: false)))
        #expect(!bySerial.matches(Self.readerTTY(serial: "OTHER", tagged: false)))
        let byPath = HotplugTarget(
            role: .idReader, subsystem: "tty", criterion: .idPath("pci-0000:00:14.0-usb-0:1:1.0"))
        #expect(byPath.matches(Self.readerTTY(port: "1", tagged: false)))
        #expect(!byPath.matches(Self.readerTTY(port: "2", tagged: false)))
        // The reader's USB parent carries the same VID:PID but is not the tty the driver opens.
        let parent = UdevDevice(
            subsystem: "usb", devtype: "usb_device", devnode: "/dev/bus/usb/001/002", syspath: "/devices/usb1/1-1",
            properties: ["ID_VENDOR_ID": "1a86", "ID_MODEL_ID": "7523", "ID_SERIAL_SHORT": "A1B2"])
        #expect(!bySerial.matches(parent))
        // KIOSKD_ROLE from the rules matches whatever the configured criterion.
        let interface = UdevDevice(
            subsystem: "usb", devtype: "usb_interface", devnode: nil, syspath: "/devices/usb1/1-3/1-3:1.0",
            properties: ["ID_VENDOR_ID": "0dd4", "ID_MODEL_ID": "0237"])
        #expect(!Self.dispenser.matches(interface), "an interface has no node and is not the usb_device")
        #expect(Self.dispenser.matches(Self.dispenserUSB()))
    }
}
