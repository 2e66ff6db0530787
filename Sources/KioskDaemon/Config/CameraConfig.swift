import Foundation

/// `simulation.*`: what `--simulate` uses besides its defaults.
public struct SimulationConfig: Sendable, Hashable {
    /// The JPEGs the simulated camera cycles through; nil = the synthetic faces shipped with kioskd
    /// (`SimulatedCamera.shippedDirectory`).
    public var cameraDirectory: String?

    public init(cameraDirectory: String? = nil) { self.cameraDirectory = cameraDirectory }

    static let keys: Set<String> = ["cameraDirectory"]
}

extension DaemonConfig {
    /// `devices.camera`: `path` (default the udev name), `width` and `height` of the frames (default 640×480).
    static let cameraKeys: Set<String> = ["path", "width", "height"]

    static func parseCamera(_ camera: ConfigReader) throws(ConfigError) -> DeviceConfig {
        try camera.refuseKeys(notIn: cameraKeys, because: "the camera takes only path, width and height")
        let path = try camera.string("path", default: "/dev/kioskd/camera")
        guard path.hasPrefix("/") else { throw camera.error("path", "expected an absolute device path, got '\(path)'") }
        let width = try camera.integer("width", in: 160...1920, default: 640)
        let height = try camera.integer("height", in: 120...1080, default: 480)
        return DeviceConfig(endpoint: .v4l2(path: path, width: width, height: height))
    }

    static func parseSimulation(_ simulation: ConfigReader) throws(ConfigError) -> SimulationConfig {
        var config = SimulationConfig()
        if let directory = try simulation.optionalString("cameraDirectory") {
            guard directory.hasPrefix("/") else {
                throw simulation.error("cameraDirectory", "expected an absolute directory path, got '\(directory)'")
            }
            config.cameraDirectory = directory
        }
        return config
    }
}
