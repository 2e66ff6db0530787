import Foundation
import KioskCore
import KioskDevices
import KioskIO

/// Hotplug for the configured devices (docs/ARCHITECTURE.md §4.7): a libudev monitor (subsystems in use, tag
/// `kioskd`) enabled before the first enumeration, fed with the clock into `HotplugPlanner`, whose actions become
/// reports to the flow and routes for the drivers. Runs on a thread of its own: the monitor's fd is polled there with
/// deadlines (the next settle end or reconcile scan), and `stop()` wakes it at once.
///
/// A `remove` reports the role `disconnected` through `report` at once, so the flow hears `deviceLost` before any
/// driver times out; when the device is back (on any node) the route is updated and `resync` has the driver reopen it
/// now (`DeviceService.reopenNow`), which brings it back to `ready`, heard by the flow as `deviceRestored`. A
/// configured device missing at start is `absent`; status shows the path it waits for.
public final class DeviceManager: @unchecked Sendable {
    public typealias Report = @Sendable (DeviceRole, DeviceHealth) -> Void

    public let targets: [HotplugTarget]
    public let settings: HotplugPlanner.Settings
    public let routes: DeviceRoutes
    private let configuredPaths: [DeviceRole: String]
    private let report: Report
    /// Asked after a device settled: has the driver reopen it now, and re-reports the driver's own health, in case a
    /// spurious remove made us report it lost while its driver never noticed anything.
    private let resync: @Sendable (DeviceRole) -> Void
    private let logger: Logger
    private let lock = NSLock()
    private var absentRoles: Set<DeviceRole> = []
    private var monitor: UdevMonitor?
    private var stopRequested = false
    private let finished = DispatchSemaphore(value: 0)
    private var started = false

    /// The tag udev-rules/70-kioskd.rules gives every kiosk device.
    public static let tag = "kioskd"

    public init(
        devices: [DeviceRole: DeviceConfig], hotplug: HotplugConfig, routes: DeviceRoutes, logger: Logger,
        report: @escaping Report, resync: @escaping @Sendable (DeviceRole) -> Void = { _ in }
    ) {
        targets = Self.targets(for: devices, idPaths: hotplug.idPaths)
        settings = HotplugPlanner.Settings(
            settleDelay: hotplug.settleDelay, reconcileInterval: hotplug.reconcileInterval)
        self.routes = routes
        var paths: [DeviceRole: String] = [:]
        for (role, device) in devices {
            switch device.endpoint {
            case .serial(let path, _), .usblp(let path), .v4l2(let path, _, _): paths[role] = path
            default: break
            }
        }
        configuredPaths = paths
        self.logger = logger
        self.report = report
        self.resync = resync
    }

    /// What the monitor looks for per role: the node of a serial port or usblp printer (its udev symlink or the node
    /// itself), a libusb device by VID:PID and serial, or the physical port when `hotplug.idPath` names one. TCP
    /// printers and the CUPS queue are not hotplugged.
    public static func targets(for devices: [DeviceRole: DeviceConfig], idPaths: [DeviceRole: String] = [:])
        -> [HotplugTarget]
    {
        DeviceRole.allCases.compactMap { role -> HotplugTarget? in
            guard let endpoint = devices[role]?.endpoint else { return nil }
            let target: HotplugTarget
            switch endpoint {
            // A pseudo-terminal (a simulator's reader or printer) never comes through udev.
            case .serial(let path, _) where path.hasPrefix("/dev/pts/"): return nil
            case .serial(let path, _): target = HotplugTarget(role: role, subsystem: "tty", criterion: .node(path))
            case .usblp(let path): target = HotplugTarget(role: role, subsystem: "usbmisc", criterion: .node(path))
            case .usb(let vendor, let product, let serial):
                target = HotplugTarget(
                    role: role, subsystem: "usb", devtype: "usb_device",
                    criterion: .usb(vendorID: vendor, productID: product, serialNumber: serial))
            // The camera's capture node (`video4linux`); the simulated camera is no node at all.
            case .v4l2(let path, _, _) where !path.hasPrefix("/dev/"): return nil
            case .v4l2(let path, _, _):
                target = HotplugTarget(role: role, subsystem: "video4linux", criterion: .node(path))
            case .tcp, .cups: return nil
            }
            guard let port = idPaths[role] else { return target }
            return HotplugTarget(
                role: role, subsystem: target.subsystem, devtype: target.devtype, criterion: .idPath(port))
        }
    }

    /// The monitor's filters: each subsystem once, with a DEVTYPE only when every target on it names the same one.
    var filters: [UdevMonitor.Filter] {
        Dictionary(grouping: targets, by: \.subsystem).sorted { $0.key < $1.key }.map { subsystem, group in
            let devtypes = Set(group.map(\.devtype))
            return UdevMonitor.Filter(subsystem: subsystem, devtype: devtypes.count == 1 ? devtypes.first! : nil)
        }
    }

    /// Starts the monitor thread (nothing when no role can be hotplugged). `source` is `.udev` in production.
    public func start(source: UdevMonitor.Source = .udev) {
        guard !targets.isEmpty else { return }
        lock.withLock { started = true }
        let thread = Thread { [self] in
            defer { finished.signal() }
            main(source: source)
        }
        thread.name = "kioskd hotplug"
        thread.start()
    }

    /// Wakes and ends the monitor thread, waiting (off the concurrency pool) at most `timeout` for it.
    public func stop(timeout: Duration = .seconds(2)) async {
        let (wasStarted, monitor) = lock.withLock { () -> (Bool, UdevMonitor?) in
            stopRequested = true
            return (started, self.monitor)
        }
        monitor?.close()
        guard wasStarted else { return }
        let finished = finished
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread {
                _ = finished.wait(timeout: .now() + .milliseconds(Int(timeout.components.seconds * 1000)))
                done.resume()
            }.start()
        }
    }

    /// What the flow and status see of a driver's report: a role whose device has not been seen since start is
    /// `absent` rather than a generic disconnect (the endpoint in status says what it waits for).
    public func presenting(_ role: DeviceRole, _ health: DeviceHealth) -> DeviceHealth {
        guard health.state == .disconnected, lock.withLock({ absentRoles.contains(role) }) else { return health }
        return DeviceHealth(.disconnected, reasons: ["absent"])
    }

    // MARK: - Monitor thread

    private func main(source: UdevMonitor.Source) {
        let origin = ContinuousClock.now
        func now() -> Duration { ContinuousClock.now - origin }
        let monitor: UdevMonitor
        do {
            // Enabled before the enumeration below, so a device plugged in between is not missed.
            monitor = try UdevMonitor(source: source, filters: filters, tag: source == .udev ? Self.tag : nil)
        } catch {
            logger.error("hotplug", "cannot start the udev monitor (\(error)); drivers reopen their configured paths")
            return
        }
        let stopNow = lock.withLock { () -> Bool in
            self.monitor = monitor
            return stopRequested
        }
        if stopNow { return }
        if source == .udev && !UdevMonitor.udevdIsRunning {
            logger.warning("hotplug", "udevd is not running: no hotplug events; the reconcile scan still runs")
        }
        var planner = HotplugPlanner(targets: targets, settings: settings)
        let devices = enumerate(monitor)
        warnAboutGrabbers(devices, planner: planner)
        perform(planner.start(with: devices, at: now()), planner: &planner, monitor: monitor, now: now)
        logger.info(
            "hotplug",
            "monitoring \(filters.map(\.subsystem).joined(separator: ", ")) (tag \(Self.tag)), settle "
                + "\(settings.settleDelay), reconcile every \(settings.reconcileInterval)")
        while true {
            let deadline = Deadline(origin + (planner.nextWakeUp ?? now() + settings.reconcileInterval))
            do {
                if let event = try monitor.next(until: deadline) {
                    logger.debug("hotplug", "\(event.action.rawValue) \(event.device)")
                    perform(planner.handle(event, at: now()), planner: &planner, monitor: monitor, now: now)
                }
            } catch {
                if error.errno != ECANCELED {
                    logger.error("hotplug", "the udev monitor failed (\(error)); stopping it")
                }
                return
            }
            perform(planner.tick(at: now()), planner: &planner, monitor: monitor, now: now)
        }
    }

    private func enumerate(_ monitor: UdevMonitor) -> [UdevDevice] {
        do { return try monitor.enumerate() } catch {
            logger.warning("hotplug", "cannot list devices (\(error))")
            return []
        }
    }

    private func perform(
        _ actions: [HotplugAction], planner: inout HotplugPlanner, monitor: UdevMonitor, now: () -> Duration
    ) {
        for action in actions {
            switch action {
            case .scan:
                let found = planner.reconcile(with: enumerate(monitor), at: now())
                if !found.isEmpty { logger.notice("hotplug", "the reconcile scan found changes the monitor missed") }
                perform(found, planner: &planner, monitor: monitor, now: now)
            case .open(let role, let node, let identity):
                let configured = configuredPaths[role]
                let sameNode = configured.map { Self.resolve($0) == node } ?? false
                routes.route(role, to: sameNode ? nil : node)
                lock.withLock { _ = absentRoles.remove(role) }
                logger.notice("hotplug", "\(role.rawValue) on \(node) (\(identity))")
                resync(role)
            case .close(let role):
                logger.notice("hotplug", "\(role.rawValue) closed")
            case .report(let role, .disconnected):
                logger.warning("hotplug", "\(role.rawValue) removed")
                report(role, DeviceHealth(.disconnected, reasons: ["disconnected"]))
            case .report(let role, .absent(let waitingFor)):
                lock.withLock { _ = absentRoles.insert(role) }
                logger.warning("hotplug", "\(role.rawValue) absent: waiting for \(waitingFor)")
                report(role, DeviceHealth(.disconnected, reasons: ["absent"]))
            case .report(let role, .restored(let node)):
                logger.notice("hotplug", "\(role.rawValue) is back on \(node); reopening")
            case .ignoreExtra(let role, let node, let identity):
                logger.warning(
                    "hotplug", "a second \(role.rawValue) at \(node) (\(identity)) is left alone; the first one serves")
            }
        }
    }

    private func warnAboutGrabbers(_ devices: [UdevDevice], planner: HotplugPlanner) {
        var ports: [DeviceRole: UdevDevice?] = [:]
        for target in targets where target.subsystem == "tty" {
            ports[target.role] = .some(devices.first { target.matches($0) })
        }
        guard !ports.isEmpty else { return }
        for warning in SerialPortGrabbers.warnings(ports: ports, running: SerialPortGrabbers.runningProcessNames()) {
            logger.warning("hotplug", warning)
        }
    }

    /// The node a configured path (usually a udev symlink) points to now.
    static func resolve(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
