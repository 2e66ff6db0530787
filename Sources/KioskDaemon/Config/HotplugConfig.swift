import KioskCore

/// The hotplug monitor (`hotplug.*`, docs/ARCHITECTURE.md §4.7).
public struct HotplugConfig: Sendable, Hashable {
    /// Quiet time after a device is added before its driver opens it (`hotplug.settleSeconds`, default 1): udev may
    /// still be setting permissions and symlinks, and a flapping connector adds the device several times.
    public var settleDelay: Duration
    /// How often the devices in use are listed to catch events the monitor missed (`hotplug.reconcileSeconds`,
    /// default 60).
    public var reconcileInterval: Duration
    /// Roles matched by the physical port instead of their path or USB id (`hotplug.idPath.<role>`), for devices
    /// without a serial number.
    public var idPaths: [DeviceRole: String]

    public init(
        settleDelay: Duration = .seconds(1), reconcileInterval: Duration = .seconds(60),
        idPaths: [DeviceRole: String] = [:]
    ) {
        self.settleDelay = settleDelay
        self.reconcileInterval = reconcileInterval
        self.idPaths = idPaths
    }
}

extension DaemonConfig {
    /// `hotplug`: `settleSeconds` (0–30), `reconcileSeconds` (5–3600), `idPath` (role → udev ID_PATH).
    static func parseHotplug(_ root: ConfigReader, into config: inout DaemonConfig) throws(ConfigError) {
        guard let hotplug = try root.child("hotplug", allowed: ["settleSeconds", "reconcileSeconds", "idPath"]) else {
            return
        }
        config.hotplug.settleDelay = try hotplug.seconds("settleSeconds", in: 0...30, default: 1)
        config.hotplug.reconcileInterval = try hotplug.seconds("reconcileSeconds", in: 5...3600, default: 60)
        if let paths = try hotplug.child("idPath", allowed: Set(DeviceRole.allCases.map(\.rawValue))) {
            for role in DeviceRole.allCases where paths.has(role.rawValue) {
                config.hotplug.idPaths[role] = try paths.string(role.rawValue, maxLength: 256)
            }
        }
    }
}
