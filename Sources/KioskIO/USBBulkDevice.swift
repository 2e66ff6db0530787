import CLibUSB
import Foundation
import Glibc

/// Where to find a USB device and which interface to claim; chosen by a device profile.
public struct USBDeviceSelector: Sendable, Equatable, CustomStringConvertible {
    public var vendorID: UInt16
    public var productID: UInt16
    /// iSerialNumber, when several identical devices are attached.
    public var serialNumber: String?
    public var interfaceNumber: Int32
    /// Detach a kernel driver (usblp, cdc_acm) bound to the interface before claiming it.
    public var detachKernelDriver: Bool

    public init(
        vendorID: UInt16, productID: UInt16, serialNumber: String? = nil, interfaceNumber: Int32 = 0,
        detachKernelDriver: Bool = true
    ) {
        self.vendorID = vendorID
        self.productID = productID
        self.serialNumber = serialNumber
        self.interfaceNumber = interfaceNumber
        self.detachKernelDriver = detachKernelDriver
    }

    public var description: String {
        String(format: "USB %04x:%04x", vendorID, productID) + (serialNumber.map { " serial \($0)" } ?? "")
            + " interface \(interfaceNumber)"
    }
}

/// A libusb failure: which call and the libusb error name.
public struct USBError: Error, CustomStringConvertible, Sendable, Equatable {
    public let call: String
    public let code: Int32

    public var description: String { "\(call): \(String(cString: libusb_error_name(code)))" }
    public var isDisconnect: Bool { code == LIBUSB_ERROR_NO_DEVICE.rawValue }
}

/// One claimed interface of a USB device with bulk endpoints. Wraps libusb_open, libusb_claim_interface and
/// libusb_bulk_transfer; a vanished device (LIBUSB_ERROR_NO_DEVICE) makes every call fail with `.disconnected`, which
/// drivers answer with their reopen. Transfers run in slices of at most `slice`, so `close()` from another thread
/// wakes a blocked call within one slice. While open, the device's node (`/dev/bus/usb/BBB/DDD`) carries the advisory
/// lock of `DeviceNodeLock`, so a second opener — `kioskctl direct --usb` while kioskd holds the device — is refused
/// (docs/ARCHITECTURE.md §4.7).
public final class USBBulkDevice: @unchecked Sendable {
    /// The longest single libusb transfer; bounds how long `close()` waits for a blocked call.
    static let slice: Duration = .milliseconds(20)

    public let selector: USBDeviceSelector
    /// Bulk endpoint addresses of the claimed interface's current alternate setting.
    public let bulkInEndpoints: [UInt8]
    public let bulkOutEndpoints: [UInt8]
    /// The usbfs node the device was opened through, e.g. "/dev/bus/usb/001/004".
    public let node: String
    private let handle: OpaquePointer
    private let nodeLockFD: Int32
    /// `close()` waits on it until no transfer is running.
    private let calls = TransportCallGate()

    /// Opens the first device matching `selector`. Throws `.disconnected` when none is attached.
    public init(_ selector: USBDeviceSelector) throws(TransportError) {
        let context = try USBContext.shared()
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(context, &list)
        guard count >= 0, let list else { throw .system(SystemError("libusb_get_device_list", errno: EIO)) }
        defer { libusb_free_device_list(list, 1) }
        var opened: OpaquePointer?
        for i in 0..<Int(count) {
            guard let device = list[i] else { continue }
            var desc = libusb_device_descriptor()
            guard libusb_get_device_descriptor(device, &desc) == 0,
                desc.idVendor == selector.vendorID, desc.idProduct == selector.productID
            else { continue }
            var candidate: OpaquePointer?
            guard libusb_open(device, &candidate) == 0, let candidate else { continue }
            if let wanted = selector.serialNumber,
                USBBulkDevice.stringDescriptor(candidate, index: desc.iSerialNumber) != wanted
            {
                libusb_close(candidate)
                continue
            }
            opened = candidate
            break
        }
        guard let opened else { throw .disconnected("\(selector) is not attached") }
        let device = libusb_get_device(opened)
        let node = String(
            format: "/dev/bus/usb/%03d/%03d", libusb_get_bus_number(device), libusb_get_device_address(device))
        let lockFD: Int32
        do { lockFD = try USBBulkDevice.lockNode(node) } catch {
            libusb_close(opened)
            throw error
        }
        if selector.detachKernelDriver { libusb_set_auto_detach_kernel_driver(opened, 1) }
        let rc = libusb_claim_interface(opened, selector.interfaceNumber)
        guard rc == 0 else {
            libusb_close(opened)
            if lockFD >= 0 { Glibc.close(lockFD) }
            if rc == LIBUSB_ERROR_NO_DEVICE.rawValue { throw .disconnected("\(selector) is not attached") }
            throw .system(
                SystemError("libusb_claim_interface: \(String(cString: libusb_error_name(rc)))", errno: EBUSY))
        }
        let endpoints = USBBulkDevice.bulkEndpoints(opened, interface: selector.interfaceNumber)
        self.node = node
        nodeLockFD = lockFD
        handle = opened
        self.selector = selector
        bulkInEndpoints = endpoints.in
        bulkOutEndpoints = endpoints.out
    }

    deinit { close() }

    /// Writes all of `bytes` to bulk OUT `endpoint` (libusb_bulk_transfer) before the deadline.
    public func write(_ bytes: [UInt8], endpoint: UInt8, deadline: Deadline) throws(TransportError) {
        try calls.enter()
        defer { calls.leave() }
        var data = bytes
        var sent = 0
        while sent < data.count {
            var moved: Int32 = 0
            let slice = sliceMilliseconds(deadline)
            let rc = data.withUnsafeMutableBufferPointer { buf in
                libusb_bulk_transfer(handle, endpoint, buf.baseAddress! + sent, Int32(buf.count - sent), &moved, slice)
            }
            sent += Int(moved)
            if rc == LIBUSB_ERROR_TIMEOUT.rawValue && !deadline.hasPassed {
                if calls.isClosed { throw .closed }
                continue
            }
            try check(rc, call: "bulk OUT 0x\(String(endpoint, radix: 16))", transferred: sent)
        }
    }

    /// Reads one bulk transfer of at most `maxCount` bytes from bulk IN `endpoint`.
    public func read(upTo maxCount: Int, endpoint: UInt8, deadline: Deadline) throws(TransportError) -> [UInt8] {
        try calls.enter()
        defer { calls.leave() }
        var buffer = [UInt8](repeating: 0, count: maxCount)
        while true {
            var moved: Int32 = 0
            let slice = sliceMilliseconds(deadline)
            let rc = buffer.withUnsafeMutableBufferPointer { buf in
                libusb_bulk_transfer(handle, endpoint, buf.baseAddress!, Int32(maxCount), &moved, slice)
            }
            if moved > 0 { return Array(buffer[0..<Int(moved)]) }
            if rc == LIBUSB_ERROR_TIMEOUT.rawValue && !deadline.hasPassed {
                if calls.isClosed { throw .closed }
                continue
            }
            try check(rc, call: "bulk IN 0x\(String(endpoint, radix: 16))", transferred: 0)
            if deadline.hasPassed { throw .timedOut(transferred: 0) }
        }
    }

    /// A class- or vendor-specific control transfer IN (e.g. the printer class GET_PORT_STATUS / GET_DEVICE_ID).
    public func controlIn(
        requestType: UInt8, request: UInt8, value: UInt16, index: UInt16, length: Int,
        deadline: Deadline
    ) throws(TransportError) -> [UInt8] {
        try calls.enter()
        defer { calls.leave() }
        var buffer = [UInt8](repeating: 0, count: length)
        let rc = buffer.withUnsafeMutableBufferPointer { buf in
            libusb_control_transfer(
                handle, requestType, request, value, index, buf.baseAddress!, UInt16(length),
                timeoutMilliseconds(deadline))
        }
        try check(rc < 0 ? rc : 0, call: "control IN request \(request)", transferred: 0)
        return Array(buffer[0..<Int(rc)])
    }

    /// Fails later calls with `.closed`, waits (at most one slice) for a running transfer, then releases the device.
    public func close() {
        guard calls.closeAndDrain() else { return }
        libusb_release_interface(handle, selector.interfaceNumber)
        libusb_close(handle)
        if nodeLockFD >= 0 { Glibc.close(nodeLockFD) }
    }

    private func timeoutMilliseconds(_ deadline: Deadline) -> UInt32 {
        // libusb treats 0 as "wait forever": never pass it.
        UInt32(max(1, deadline.pollTimeoutMilliseconds))
    }

    /// The time left, capped at one slice.
    private func sliceMilliseconds(_ deadline: Deadline) -> UInt32 {
        timeoutMilliseconds(min(deadline, .after(USBBulkDevice.slice)))
    }

    /// Takes `DeviceNodeLock`'s lock on the usbfs node; -1 when the node cannot be opened (no usbfs in a container:
    /// libusb found the device some other way). Held by another open file: refused.
    private static func lockNode(_ node: String) throws(TransportError) -> Int32 {
        let fd = Glibc.open(node, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return -1 }
        do { try DeviceNodeLock.acquire(fd, path: node) } catch {
            Glibc.close(fd)
            if error.errno == EWOULDBLOCK {
                throw .system(SystemError("\(node) is held by another program (kioskd?); flock", errno: EBUSY))
            }
            return -1
        }
        return fd
    }

    private func check(_ rc: Int32, call: String, transferred: Int) throws(TransportError) {
        switch rc {
        case 0: return
        case LIBUSB_ERROR_TIMEOUT.rawValue: throw .timedOut(transferred: transferred)
        case LIBUSB_ERROR_NO_DEVICE.rawValue: throw .disconnected("\(selector)")
        default: throw .system(SystemError("\(call): \(String(cString: libusb_error_name(rc)))", errno: EIO))
        }
    }

    private static func stringDescriptor(_ handle: OpaquePointer, index: UInt8) -> String? {
        guard index != 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = libusb_get_string_descriptor_ascii(handle, index, &buffer, Int32(buffer.count))
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<Int(n)], as: UTF8.self)
    }

    private static func bulkEndpoints(_ handle: OpaquePointer, interface: Int32) -> (in: [UInt8], out: [UInt8]) {
        guard let device = libusb_get_device(handle) else { return ([], []) }
        var config: UnsafeMutablePointer<libusb_config_descriptor>?
        guard libusb_get_active_config_descriptor(device, &config) == 0, let config else { return ([], []) }
        defer { libusb_free_config_descriptor(config) }
        var ins: [UInt8] = []
        var outs: [UInt8] = []
        for i in 0..<Int(config.pointee.bNumInterfaces) {
            let iface = config.pointee.interface[i]
            guard iface.num_altsetting > 0 else { continue }
            let alt = iface.altsetting[0]
            guard Int32(alt.bInterfaceNumber) == interface else { continue }
            for e in 0..<Int(alt.bNumEndpoints) {
                let ep = alt.endpoint[e]
                guard ep.bmAttributes & 0x03 == UInt8(LIBUSB_TRANSFER_TYPE_BULK.rawValue) else { continue }
                if ep.bEndpointAddress & 0x80 != 0 {
                    ins.append(ep.bEndpointAddress)
                } else {
                    outs.append(ep.bEndpointAddress)
                }
            }
        }
        return (ins, outs)
    }
}

/// The process-wide libusb context, created on first use.
enum USBContext {
    private static let state = LockedContext()

    static func shared() throws(TransportError) -> OpaquePointer {
        if let context = state.get() { return context }
        throw .system(SystemError("libusb_init", errno: EIO))
    }

    private final class LockedContext: @unchecked Sendable {
        private let lock = NSLock()
        private var context: OpaquePointer?

        func get() -> OpaquePointer? {
            lock.lock()
            defer { lock.unlock() }
            if context == nil {
                var created: OpaquePointer?
                if libusb_init(&created) == 0 { context = created }
            }
            return context
        }
    }
}
