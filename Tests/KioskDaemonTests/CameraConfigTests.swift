import Foundation
import KioskCore
import KioskDevices
import Testing

@testable import KioskDaemon

/// `devices.camera` and `simulation.cameraDirectory`: defaults, every key checked with the key named, the hotplug
/// target on `video4linux`, and the out-of-service rule taking the camera only when asked to.
struct CameraConfigTests {
    static func parse(_ json: String) throws(ConfigError) -> DaemonConfig {
        try DaemonConfig.parse(Data(json.utf8), file: "kioskd.json")
    }

    @Test func theCameraDefaultsToTheUdevNameAt640x480() throws {
        let config = try Self.parse(#"{"kioskID": "K-1", "devices": {"camera": {}}}"#)
        #expect(config.devices[.camera]?.endpoint == .v4l2(path: "/dev/kioskd/camera", width: 640, height: 480))
        let sized = try Self.parse(
            #"{"kioskID": "K-1", "devices": {"camera": {"path": "/dev/video2", "width": 1280, "height": 720}}}"#)
        #expect(sized.devices[.camera]?.endpoint == .v4l2(path: "/dev/video2", width: 1280, height: 720))
        #expect(try Self.parse(#"{"kioskID": "K-1"}"#).devices[.camera] == nil)
    }

    @Test func badCameraKeysAreRefusedByName() {
        for (json, key) in [
            (#"{"kioskID": "K-1", "devices": {"camera": {"width": 10}}}"#, "devices.camera.width"),
            (#"{"kioskID": "K-1", "devices": {"camera": {"height": "480"}}}"#, "devices.camera.height"),
            (#"{"kioskID": "K-1", "devices": {"camera": {"path": "video0"}}}"#, "devices.camera.path"),
            (#"{"kioskID": "K-1", "devices": {"camera": {"transport": "usb"}}}"#, "transport"),
            (#"{"kioskID": "K-1", "simulation": {"cameraDirectory": "faces"}}"#, "simulation.cameraDirectory"),
            (#"{"kioskID": "K-1", "simulation": {"camera": "/x"}}"#, "simulation"),
        ] {
            #expect(throws: ConfigError.self, "\(json)") { try Self.parse(json) }
            do {
                _ = try Self.parse(json)
            } catch {
                #expect("\(error)".contains(key), "\(error)")
            }
        }
        let simulation = try? Self.parse(#"{"kioskID": "K-1", "simulation": {"cameraDirectory": "/srv/faces"}}"#)
        #expect(simulation?.simulation.cameraDirectory == "/srv/faces")
    }

    @Test func theCameraIsHotpluggedOnVideo4linuxByItsNode_theSimulatedOneNot() {
        let targets = DeviceManager.targets(for: [
            .camera: DeviceConfig(endpoint: .v4l2(path: "/dev/kioskd/camera", width: 640, height: 480))
        ])
        #expect(
            targets == [HotplugTarget(role: .camera, subsystem: "video4linux", criterion: .node("/dev/kioskd/camera"))])
        let simulated = DeviceManager.targets(for: [
            .camera: DeviceConfig(endpoint: .v4l2(path: "simulated-camera", width: 640, height: 480))
        ])
        #expect(simulated.isEmpty)
    }

    @Test func aLostCameraTakesTheTerminalOutOfServiceOnlyWhenTheCameraIsRequired() {
        let health: [DeviceRole: DeviceHealth] = [
            .idReader: DeviceHealth(.ready), .licencePrinter: DeviceHealth(.ready),
            .camera: DeviceHealth(.disconnected, reasons: ["absent"]),
        ]
        #expect(ScreenProjection.outOfService(lostDevices: [.camera], health: health, inhibition: nil) == nil)
        let out = ScreenProjection.outOfService(
            lostDevices: [.camera], health: health, inhibition: nil,
            required: ScreenProjection.requiredDevices(cameraRequired: true))
        #expect(out?.reasons == ["device:camera"])
    }
}
