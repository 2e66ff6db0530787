import CKioskSupport
import CUdev
import Glibc

/// udev's view of the devices in use: a netlink monitor and an enumeration of the same subsystems and tag, through
/// libudev (docs/ARCHITECTURE.md §4.7). Wraps udev_new(3), udev_monitor_new_from_netlink(3),
/// udev_monitor_filter_add_match_subsystem_devtype(3), udev_monitor_filter_add_match_tag(3),
/// udev_monitor_enable_receiving(3), udev_monitor_receive_device(3), udev_enumerate_scan_devices(3) and poll(2).
///
/// The monitor receives from the moment `init` returns, so an enumeration taken afterwards misses nothing: a device
/// that arrives in between is both listed and announced, which the planner takes as one. `next(until:)` is meant for
/// one thread; `close()` may come from any thread and wakes it at once. libudev objects are freed in `deinit`, when no
/// call can still be using them.
public final class UdevMonitor: @unchecked Sendable {
    /// Where events come from: `udev` after udevd has applied the rules (properties, symlinks, permissions, tags);
    /// `kernel` straight from the kernel, without any of that — for tests where no udevd runs.
    public enum Source: String, Sendable {
        case udev, kernel
    }

    /// One subsystem (and optionally a DEVTYPE) to listen to.
    public struct Filter: Sendable, Hashable {
        public var subsystem: String
        public var devtype: String?

        public init(subsystem: String, devtype: String? = nil) {
            self.subsystem = subsystem
            self.devtype = devtype
        }
    }

    public let filters: [Filter]
    public let tag: String?
    private let udev: OpaquePointer
    private let monitor: OpaquePointer
    private let monitorFD: Int32
    /// Written once by `close()` and never drained: stays readable, so every later wait returns at once.
    private let wakeFD: Int32

    /// Whether udevd runs here (its control socket exists); without it the `udev` source never delivers an event.
    public static var udevdIsRunning: Bool { access("/run/udev/control", F_OK) == 0 }

    public init(source: Source = .udev, filters: [Filter], tag: String?) throws(SystemError) {
        guard let udev = udev_new() else { throw SystemError("udev_new") }
        guard let monitor = udev_monitor_new_from_netlink(udev, source.rawValue) else {
            let error = SystemError("udev_monitor_new_from_netlink(\(source.rawValue))")
            udev_unref(udev)
            throw error
        }
        func fail(_ call: String, _ rc: Int32) -> SystemError {
            udev_monitor_unref(monitor)
            udev_unref(udev)
            return SystemError(call, errno: -rc)
        }
        for filter in filters {
            let rc = udev_monitor_filter_add_match_subsystem_devtype(monitor, filter.subsystem, filter.devtype)
            if rc < 0 { throw fail("udev_monitor_filter_add_match_subsystem_devtype(\(filter.subsystem))", rc) }
        }
        if let tag {
            let rc = udev_monitor_filter_add_match_tag(monitor, tag)
            if rc < 0 { throw fail("udev_monitor_filter_add_match_tag(\(tag))", rc) }
        }
        // A burst of uevents (a hub with four devices) must not overflow the socket; needs CAP_NET_ADMIN to exceed
        // rmem_max, so a refusal only leaves the default.
        _ = udev_monitor_set_receive_buffer_size(monitor, 1 << 20)
        let rc = udev_monitor_enable_receiving(monitor)
        if rc < 0 { throw fail("udev_monitor_enable_receiving", rc) }
        let wake = kiosk_eventfd()
        guard wake >= 0 else {
            let error = SystemError("eventfd")
            udev_monitor_unref(monitor)
            udev_unref(udev)
            throw error
        }
        self.udev = udev
        self.monitor = monitor
        self.filters = filters
        self.tag = tag
        monitorFD = udev_monitor_get_fd(monitor)
        wakeFD = wake
    }

    deinit {
        udev_monitor_unref(monitor)
        udev_unref(udev)
        Glibc.close(wakeFD)
    }

    /// The devices of the filtered subsystems (and tag) present now. Call after `init`, so nothing falls between the
    /// list and the first event.
    public func enumerate() throws(SystemError) -> [UdevDevice] {
        guard let enumerate = udev_enumerate_new(udev) else { throw SystemError("udev_enumerate_new") }
        defer { udev_enumerate_unref(enumerate) }
        for subsystem in Set(filters.map(\.subsystem)) {
            let rc = udev_enumerate_add_match_subsystem(enumerate, subsystem)
            if rc < 0 { throw SystemError("udev_enumerate_add_match_subsystem(\(subsystem))", errno: -rc) }
        }
        if let tag {
            let rc = udev_enumerate_add_match_tag(enumerate, tag)
            if rc < 0 { throw SystemError("udev_enumerate_add_match_tag(\(tag))", errno: -rc) }
        }
        let rc = udev_enumerate_scan_devices(enumerate)
        if rc < 0 { throw SystemError("udev_enumerate_scan_devices", errno: -rc) }
        var devices: [UdevDevice] = []
        var entry = udev_enumerate_get_list_entry(enumerate)
        while let current = entry {
            if let name = udev_list_entry_get_name(current),
                let device = udev_device_new_from_syspath(udev, name)
            {
                let value = Self.value(of: device)
                udev_device_unref(device)
                if passes(value) { devices.append(value) }
            }
            entry = udev_list_entry_get_next(current)
        }
        return devices.sorted { $0.syspath < $1.syspath }
    }

    /// The next event, or nil when `deadline` passes first. Throws `SystemError("udev monitor closed", ECANCELED)`
    /// once `close()` was called.
    public func next(until deadline: Deadline) throws(SystemError) -> UdevEvent? {
        while true {
            var fds = [
                pollfd(fd: monitorFD, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 2, deadline.pollTimeoutMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw SystemError("poll(udev monitor)")
            }
            if fds[1].revents != 0 { throw SystemError("udev monitor closed", errno: ECANCELED) }
            if fds[0].revents & Int16(POLLIN) != 0 {
                // Non-blocking: nil when the message was filtered out or was not for us.
                if let device = udev_monitor_receive_device(monitor) {
                    defer { udev_device_unref(device) }
                    if let action = udev_device_get_action(device).flatMap({
                        UdevEvent.Action(rawValue: String(cString: $0))
                    }) {
                        let value = Self.value(of: device)
                        if passes(value) { return UdevEvent(action, value) }
                    }
                }
                continue
            }
            if fds[0].revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 {
                throw SystemError("poll(udev monitor)", errno: EIO)
            }
            if ready == 0 || deadline.hasPassed { return nil }
        }
    }

    /// Wakes a pending `next(until:)` and makes every later one throw. Safe from any thread, more than once.
    public func close() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, MemoryLayout<UInt64>.size)
    }

    /// The DEVTYPE half of the filter, which udev_enumerate cannot express.
    private func passes(_ device: UdevDevice) -> Bool {
        filters.contains { $0.subsystem == device.subsystem && ($0.devtype == nil || $0.devtype == device.devtype) }
    }

    private static func value(of device: OpaquePointer) -> UdevDevice {
        func text(_ pointer: UnsafePointer<CChar>?) -> String? { pointer.map { String(cString: $0) } }
        var properties: [String: String] = [:]
        var entry = udev_device_get_properties_list_entry(device)
        while let current = entry {
            if let name = text(udev_list_entry_get_name(current)) {
                properties[name] = text(udev_list_entry_get_value(current)) ?? ""
            }
            entry = udev_list_entry_get_next(current)
        }
        return UdevDevice(
            subsystem: text(udev_device_get_subsystem(device)) ?? "", devtype: text(udev_device_get_devtype(device)),
            devnode: text(udev_device_get_devnode(device)), syspath: text(udev_device_get_syspath(device)) ?? "",
            properties: properties)
    }
}
