import KioskCore
import KioskDevices
import KioskIO
import Testing

/// The camera's udev events through the hotplug planner (docs/ARCHITECTURE.md §4.9): a UVC webcam's capture node
/// carries the rule's `/dev/kioskd/camera` link, its metadata node does not and is never taken for the camera.
@Suite struct CameraHotplugTests {
    static let camera = HotplugTarget(role: .camera, subsystem: "video4linux", criterion: .node("/dev/kioskd/camera"))

    static func videoNode(_ number: Int, tagged: Bool, port: String = "4") -> UdevDevice {
        var properties = [
            "ID_VENDOR_ID": "046d", "ID_MODEL_ID": "0825", "ID_PATH": "pci-0000:00:14.0-usb-0:\(port):1.0",
            "ID_V4L_CAPABILITIES": tagged ? ":capture:" : ":",
            "DEVLINKS": "/dev/v4l/by-path/pci-0000:00:14.0-usb-0:\(port):1.0-video-index\(number)"
                + (tagged ? " /dev/kioskd/camera" : ""),
        ]
        if tagged { properties["KIOSKD_ROLE"] = "camera" }
        return UdevDevice(
            subsystem: "video4linux", devnode: "/dev/video\(number)",
            syspath: "/devices/pci0000:00/0000:00:14.0/usb1/1-\(port)/1-\(port):1.0/video4linux/video\(number)",
            properties: properties)
    }

    func planner() -> HotplugPlanner {
        HotplugPlanner(
            targets: [Self.camera], settings: .init(settleDelay: .seconds(1), reconcileInterval: .seconds(60)))
    }

    @Test func theCaptureNodeIsOpenedAfterTheSettleDelay_theMetadataNodeNever() {
        var planner = planner()
        #expect(planner.subsystems == ["video4linux"])
        #expect(planner.start(with: [], at: .zero) == [.report(.camera, .absent(waitingFor: "/dev/kioskd/camera"))])
        let capture = Self.videoNode(0, tagged: true)
        let metadata = Self.videoNode(1, tagged: false)
        #expect(planner.handle(UdevEvent(.add, capture), at: .seconds(5)).isEmpty)
        #expect(planner.handle(UdevEvent(.add, metadata), at: .seconds(5)).isEmpty)
        #expect(
            planner.tick(at: .seconds(6)) == [
                .report(.camera, .restored(node: "/dev/video0")),
                .open(.camera, node: "/dev/video0", identity: capture.identity),
            ])
        #expect(planner.openNodes == [.camera: "/dev/video0"])
    }

    @Test func anUnplugReportsAtOnce_andThePlugOnAnotherPortReopensThere() {
        var planner = planner()
        let first = Self.videoNode(0, tagged: true)
        _ = planner.start(with: [first], at: .zero)
        #expect(
            planner.handle(UdevEvent(.remove, first), at: .seconds(10)) == [
                .close(.camera), .report(.camera, .disconnected),
            ])
        let again = Self.videoNode(2, tagged: true, port: "5")
        _ = planner.handle(UdevEvent(.add, again), at: .seconds(20))
        let actions = planner.tick(at: .seconds(21))
        #expect(actions.contains(.open(.camera, node: "/dev/video2", identity: again.identity)), "\(actions)")
        #expect(planner.openNodes == [.camera: "/dev/video2"])
    }
}
