/// A USB printer-class interface (class 7) driven through libusb instead of usblp: bulk OUT for data, bulk IN for
/// `DLE EOT` replies, class requests for port status and device ID (docs/device-protocols.md §2.8). The kernel driver
/// is detached when the selector says so (`USBDeviceSelector.detachKernelDriver`).
public final class USBPrinterTransport: ByteTransport, @unchecked Sendable {
    /// bmRequestType for a class-specific, interface-recipient IN request.
    static let classInterfaceIn: UInt8 = 0xA1
    static let getDeviceID: UInt8 = 0x00
    static let getPortStatus: UInt8 = 0x01

    public let selector: USBDeviceSelector
    private let device: USBBulkDevice
    private let outEndpoint: UInt8
    private let inEndpoint: UInt8?

    /// Opens and claims the interface; fails if it has no bulk OUT endpoint.
    public init(_ selector: USBDeviceSelector) throws(TransportError) {
        let device = try USBBulkDevice(selector)
        guard let out = device.bulkOutEndpoints.first else {
            device.close()
            throw .disconnected("\(selector) has no bulk OUT endpoint; is this the printer interface?")
        }
        self.selector = selector
        self.device = device
        outEndpoint = out
        inEndpoint = device.bulkInEndpoints.first
    }

    public func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError) {
        try device.write(bytes, endpoint: outEndpoint, deadline: deadline)
    }

    /// Unidirectional interfaces (protocol 1) have no bulk IN: every read times out at the deadline.
    public func read(upTo maxCount: Int, deadline: Deadline) throws(TransportError) -> [UInt8] {
        guard let inEndpoint else { throw .timedOut(transferred: 0) }
        return try device.read(upTo: maxCount, endpoint: inEndpoint, deadline: deadline)
    }

    /// Reads and drops what the printer has queued, for at most 50 ms.
    public func discardInput() throws(TransportError) {
        guard let inEndpoint else { return }
        let deadline = Deadline.after(.milliseconds(50))
        while !deadline.hasPassed {
            do { _ = try device.read(upTo: 512, endpoint: inEndpoint, deadline: .after(.milliseconds(5))) } catch {
                if case .timedOut = error { return }
                throw error
            }
        }
    }

    /// GET_PORT_STATUS: wIndex = interface number.
    public func portStatus(deadline: Deadline) throws(TransportError) -> USBPrinterPortStatus {
        let reply = try device.controlIn(
            requestType: USBPrinterTransport.classInterfaceIn,
            request: USBPrinterTransport.getPortStatus, value: 0,
            index: UInt16(selector.interfaceNumber), length: 1, deadline: deadline)
        guard let byte = reply.first else { throw .timedOut(transferred: 0) }
        return USBPrinterPortStatus(raw: byte)
    }

    /// GET_DEVICE_ID: wValue = configuration index 0, wIndex = interface << 8 | alternate setting 0.
    public func deviceID(deadline: Deadline) throws(TransportError) -> IEEE1284DeviceID {
        let reply = try device.controlIn(
            requestType: USBPrinterTransport.classInterfaceIn,
            request: USBPrinterTransport.getDeviceID, value: 0,
            index: UInt16(selector.interfaceNumber) << 8, length: 1024, deadline: deadline)
        return IEEE1284DeviceID(reply: reply)
    }

    public func close() { device.close() }
}
