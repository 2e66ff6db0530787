import Foundation
import KioskCore

/// The node each role's device was last found on by the hotplug monitor, when that is not the configured path: the
/// openers of the ID reader and of serial or usblp printers read it, so a device that comes back on another node is
/// opened there without a restart (docs/ARCHITECTURE.md §4.7). Empty without a monitor; the configured path is used
/// then.
public final class DeviceRoutes: @unchecked Sendable {
    private let lock = NSLock()
    private var nodes: [DeviceRole: String] = [:]

    public init() {}

    public func node(of role: DeviceRole) -> String? { lock.withLock { nodes[role] } }

    func route(_ role: DeviceRole, to node: String?) { lock.withLock { nodes[role] = node } }
}
