import KioskCore

/// What the hotplug planner asks the daemon to do (docs/ARCHITECTURE.md §4.7).
public enum HotplugAction: Sendable, Hashable {
    /// Open (or reopen) the role's driver on `node`: the device settled there.
    case open(DeviceRole, node: String, identity: HotplugIdentity)
    /// Close the role's driver: its device is gone (or was replaced by another node).
    case close(DeviceRole)
    /// Tell the flow and status how the role is doing, before any driver notices.
    case report(DeviceRole, HotplugPresence)
    /// A second device matched a role that already has one; it is left alone (logged, shown in status).
    case ignoreExtra(DeviceRole, node: String, identity: HotplugIdentity)
    /// Enumerate the subsystems in use now and hand the result to `HotplugPlanner.reconcile`.
    case scan
}

/// Presence as the planner sees it, independent of whether the driver then works.
public enum HotplugPresence: Sendable, Hashable {
    /// The device was there and went away: the role reports `disconnected` at once.
    case disconnected
    /// No device for the role has been seen since start: it waits for `waitingFor` (a path or a USB id).
    case absent(waitingFor: String)
    /// A device for the role is back (on `node`) and is being reopened.
    case restored(node: String)
}
