import KioskCore
import KioskIO

/// The hotplug logic, pure: udev events, enumerations and clock ticks in, `HotplugAction`s out
/// (docs/ARCHITECTURE.md §4.7). Time is a `Duration` since any fixed origin, passed in by the caller, so event
/// sequences can be replayed in tests.
///
/// Rules: a device that matches a role is opened only after it has been quiet for the settle delay (a repeated `add`
/// restarts it), so the driver does not race udev's permission and symlink work; `remove` closes the role and
/// reports it disconnected at once; a device back on another node is recognised by its identity (serial, else
/// `ID_PATH`); a second device of a role already served waits as a spare and takes over when the first goes; `change`
/// events only re-evaluate whether the device still matches, never reopen; a scan every `reconcileInterval` catches
/// events the monitor missed.
public struct HotplugPlanner: Sendable {
    public struct Settings: Sendable, Hashable {
        /// Quiet time after `add` before the driver opens the node (udev config `hotplug.settleSeconds`).
        public var settleDelay: Duration
        /// How often the subsystems in use are enumerated to catch missed events.
        public var reconcileInterval: Duration

        public init(settleDelay: Duration = .seconds(1), reconcileInterval: Duration = .seconds(60)) {
            self.settleDelay = settleDelay
            self.reconcileInterval = reconcileInterval
        }
    }

    /// A device seen that matches a role.
    private struct Present {
        var device: UdevDevice
        var role: DeviceRole
        /// When it was last added or re-added: the settle delay counts from here.
        var since: Duration
    }

    /// The device a role's driver is (or is about to be) opened on.
    private struct Binding {
        var syspath: String
        var node: String
        /// nil once opened; else when it may be opened.
        var settlesAt: Duration?
    }

    public let targets: [HotplugTarget]
    public let settings: Settings
    private var present: [String: Present] = [:]
    private var bindings: [DeviceRole: Binding] = [:]
    /// Roles whose device went away (or never came) since they were last opened: the next open is a restore.
    private var missing: Set<DeviceRole> = []
    private var nextReconcile: Duration?

    public init(targets: [HotplugTarget], settings: Settings = Settings()) {
        self.targets = targets
        self.settings = settings
    }

    /// The subsystems the monitor must listen to.
    public var subsystems: [String] { Array(Set(targets.map(\.subsystem))).sorted() }

    /// When `tick` next has something to do: a settle delay ending or the reconcile scan.
    public var nextWakeUp: Duration? {
        (bindings.values.compactMap(\.settlesAt) + [nextReconcile].compactMap { $0 }).min()
    }

    /// The node each role is open on now (settled), for status.
    public var openNodes: [DeviceRole: String] {
        bindings.compactMapValues { $0.settlesAt == nil ? $0.node : nil }
    }

    /// The first enumeration, taken after the monitor was enabled: devices already there are settled and opened at
    /// once; roles without one are reported absent with what they wait for.
    public mutating func start(with devices: [UdevDevice], at now: Duration) -> [HotplugAction] {
        var actions: [HotplugAction] = []
        for device in devices { actions += arrive(device, at: now - settings.settleDelay, now: now) }
        for target in targets where bindings[target.role] == nil {
            missing.insert(target.role)
            actions.append(.report(target.role, .absent(waitingFor: target.criterion.description)))
        }
        nextReconcile = now + settings.reconcileInterval
        return actions
    }

    /// One event from the monitor.
    public mutating func handle(_ event: UdevEvent, at now: Duration) -> [HotplugAction] {
        switch event.action {
        case .add, .change, .move, .bind, .online:
            return arrive(event.device, at: now, now: now, readded: event.action == .add)
        case .remove:
            return leave(event.device.syspath, at: now)
        case .unbind, .offline:
            return []
        }
    }

    /// Settle delays that ended open their roles; the reconcile scan is asked for when due.
    public mutating func tick(at now: Duration) -> [HotplugAction] {
        var actions = openSettled(at: now)
        if let due = nextReconcile, due <= now {
            nextReconcile = now + settings.reconcileInterval
            actions.append(.scan)
        }
        return actions
    }

    private mutating func openSettled(at now: Duration) -> [HotplugAction] {
        var actions: [HotplugAction] = []
        for role in DeviceRole.allCases {
            guard var binding = bindings[role], let settlesAt = binding.settlesAt, settlesAt <= now,
                let entry = present[binding.syspath]
            else { continue }
            binding.settlesAt = nil
            bindings[role] = binding
            if missing.remove(role) != nil { actions.append(.report(role, .restored(node: binding.node))) }
            actions.append(.open(role, node: binding.node, identity: entry.device.identity))
        }
        return actions
    }

    /// The result of a `.scan`: devices no longer listed are removed, new ones added (and settled), the others
    /// re-evaluated as by a `change` event.
    public mutating func reconcile(with devices: [UdevDevice], at now: Duration) -> [HotplugAction] {
        let listed = Set(devices.map(\.syspath))
        var actions: [HotplugAction] = []
        for syspath in present.keys.sorted() where !listed.contains(syspath) {
            actions += leave(syspath, at: now)
        }
        for device in devices { actions += arrive(device, at: now, now: now, readded: false) }
        return actions
    }

    /// `device` is there (added, changed or listed). `since` is when it counts as added; `readded` restarts the
    /// settle delay of a device already known (an add storm).
    private mutating func arrive(_ device: UdevDevice, at since: Duration, now: Duration, readded: Bool = true)
        -> [HotplugAction]
    {
        guard let role = targets.first(where: { $0.matches(device) })?.role, let node = device.devnode else {
            // A device that stopped matching (its KIOSKD_ROLE went away on `change`) is gone for us.
            return present[device.syspath] == nil ? [] : leave(device.syspath, at: now)
        }
        var actions: [HotplugAction] = []
        if var known = present[device.syspath], known.role == role {
            let moved = known.device.devnode != node
            known.device = device
            if readded || moved { known.since = since }
            present[device.syspath] = known
            if var binding = bindings[role], binding.syspath == device.syspath {
                if moved {
                    if binding.settlesAt == nil { actions += [.close(role), .report(role, .disconnected)] }
                    missing.insert(role)
                    binding.node = node
                    binding.settlesAt = since + settings.settleDelay
                } else if readded, binding.settlesAt != nil {
                    binding.settlesAt = since + settings.settleDelay
                }
                bindings[role] = binding
            }
            return actions
        }
        if present[device.syspath] != nil { actions += leave(device.syspath, at: now) }
        // The same device under another kernel path: the remove was missed. The old entry goes first.
        let identity = device.identity
        for (syspath, entry) in present.sorted(by: { $0.key < $1.key })
        where entry.role == role && entry.device.identity == identity && !identity.description.hasPrefix("sys:") {
            actions += leave(syspath, at: now)
        }
        present[device.syspath] = Present(device: device, role: role, since: since)
        if bindings[role] == nil {
            bindings[role] = Binding(syspath: device.syspath, node: node, settlesAt: since + settings.settleDelay)
            if since + settings.settleDelay <= now { actions += openSettled(at: now) }
        } else {
            actions.append(.ignoreExtra(role, node: node, identity: identity))
        }
        return actions
    }

    /// The device at `syspath` went away: its role is closed and reported disconnected if it was serving one, and a
    /// spare of that role takes over.
    private mutating func leave(_ syspath: String, at now: Duration) -> [HotplugAction] {
        guard let entry = present.removeValue(forKey: syspath) else { return [] }
        let role = entry.role
        guard let binding = bindings[role], binding.syspath == syspath else { return [] }
        bindings[role] = nil
        var actions: [HotplugAction] = []
        if binding.settlesAt == nil {
            actions.append(.close(role))
            actions.append(.report(role, .disconnected))
            missing.insert(role)
        }
        let spare = present.filter { $0.value.role == role }.min { ($0.value.since, $0.key) < ($1.value.since, $1.key) }
        if let (spareSyspath, spareEntry) = spare, let node = spareEntry.device.devnode {
            bindings[role] = Binding(
                syspath: spareSyspath, node: node, settlesAt: max(now, spareEntry.since + settings.settleDelay))
            if spareEntry.since + settings.settleDelay <= now { actions += openSettled(at: now) }
        }
        return actions
    }
}
