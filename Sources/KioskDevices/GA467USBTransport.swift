import Foundation
import KioskIO
import KioskProtocols

/// How a USB reader carries GA 467 frames (docs/device-protocols.md §1.2, §5.2; the sources conflict, so both exist).
public enum GA467USBFraming: String, Sendable, Equatable, CaseIterable {
    /// Split when the interface has EP 0x02, 0x06, 0x81 and 0x85; single pipe otherwise.
    case automatic
    /// The whole frame on one bulk OUT; the reply read from one bulk IN in 64-byte transfers.
    case singlePipe
    /// SAM spec: preamble + LEN (7 B) on OUT 0x02, the rest on OUT 0x06; header from IN 0x81, body from IN 0x85.
    case split

    public static let headerOut: UInt8 = 0x02
    public static let bodyOut: UInt8 = 0x06
    public static let headerIn: UInt8 = 0x81
    public static let bodyIn: UInt8 = 0x85

    /// The framing to use on an interface with these bulk endpoints.
    public func resolved(inEndpoints: [UInt8], outEndpoints: [UInt8]) -> GA467USBFraming {
        guard self == .automatic else { return self }
        let hasSplit =
            outEndpoints.contains(Self.headerOut) && outEndpoints.contains(Self.bodyOut)
            && inEndpoints.contains(Self.headerIn) && inEndpoints.contains(Self.bodyIn)
        return hasSplit ? .split : .singlePipe
    }

    /// A frame cut for the split pipes: the 7-byte header and the body (LEN bytes).
    public static func splitFrame(_ frame: [UInt8]) -> (header: [UInt8], body: [UInt8]) {
        let cut = min(frame.count, GA467Frame.headerLength)
        return (Array(frame[..<cut]), Array(frame[cut...]))
    }

    /// The body length a 7-byte header announces, or nil if it is not a GA 467 header.
    public static func bodyLength(ofHeader header: [UInt8]) -> Int? {
        guard header.count == GA467Frame.headerLength, Array(header.prefix(5)) == GA467Frame.preamble else {
            return nil
        }
        let length = Int(header[5]) << 8 | Int(header[6])
        return (1...GA467Frame.maximumLength).contains(length) ? length : nil
    }
}

/// A `ByteTransport` over a vendor USB reader's bulk endpoints, in either framing. The driver above it sees the same
/// byte stream as from a serial port. Each USB transfer waits at most 100 ms, so `close()` from another thread takes
/// effect promptly; a vanished device fails every call with `.disconnected` (libusb's NO_DEVICE).
public final class GA467USBTransport: ByteTransport, @unchecked Sendable {
    public let framing: GA467USBFraming
    private let device: USBBulkDevice
    private let outEndpoint: UInt8
    private let inEndpoint: UInt8
    private let calls = TransportCallGate()
    private var pending: [UInt8] = []
    private static let slice: Duration = .milliseconds(100)

    /// Opens the reader `selector` names and picks the framing.
    public convenience init(selector: USBDeviceSelector, framing: GA467USBFraming) throws(TransportError) {
        try self.init(device: USBBulkDevice(selector), framing: framing)
    }

    public init(device: USBBulkDevice, framing: GA467USBFraming) throws(TransportError) {
        let resolved = framing.resolved(inEndpoints: device.bulkInEndpoints, outEndpoints: device.bulkOutEndpoints)
        guard let out = device.bulkOutEndpoints.first, let input = device.bulkInEndpoints.first else {
            device.close()
            throw .system(SystemError("\(device.selector) has no bulk IN/OUT endpoint pair", errno: ENODEV))
        }
        self.device = device
        self.framing = resolved
        outEndpoint = out
        inEndpoint = input
    }

    deinit { close() }

    public func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError) {
        try calls.enter()
        defer { calls.leave() }
        switch framing {
        case .split:
            let parts = GA467USBFraming.splitFrame(bytes)
            try device.write(parts.header, endpoint: GA467USBFraming.headerOut, deadline: deadline)
            if !parts.body.isEmpty {
                try device.write(parts.body, endpoint: GA467USBFraming.bodyOut, deadline: deadline)
            }
        case .singlePipe, .automatic:
            try device.write(bytes, endpoint: outEndpoint, deadline: deadline)
        }
    }

    public func read(upTo maxCount: Int, deadline: Deadline) throws(TransportError) -> [UInt8] {
        try calls.enter()
        defer { calls.leave() }
        if pending.isEmpty {
            switch framing {
            case .split:
                let header = try readExactly(
                    GA467Frame.headerLength, endpoint: GA467USBFraming.headerIn, deadline: deadline)
                pending = header
                if let length = GA467USBFraming.bodyLength(ofHeader: header) {
                    pending += try readExactly(length, endpoint: GA467USBFraming.bodyIn, deadline: deadline)
                }
            case .singlePipe, .automatic:
                pending = try transfer(64, endpoint: inEndpoint, deadline: deadline)
            }
        }
        let out = Array(pending.prefix(maxCount))
        pending.removeFirst(out.count)
        return out
    }

    public func discardInput() throws(TransportError) {
        try calls.enter()
        defer { calls.leave() }
        pending.removeAll()
        let endpoints = framing == .split ? [GA467USBFraming.headerIn, GA467USBFraming.bodyIn] : [inEndpoint]
        for endpoint in endpoints {
            for _ in 0..<64 {
                do {
                    _ = try device.read(upTo: 512, endpoint: endpoint, deadline: .after(.milliseconds(1)))
                } catch .timedOut {
                    break
                }
            }
        }
    }

    public func close() {
        guard calls.closeAndDrain() else { return }
        device.close()
    }

    /// Reads until `count` bytes have come from `endpoint`.
    private func readExactly(_ count: Int, endpoint: UInt8, deadline: Deadline) throws(TransportError) -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < count {
            do {
                bytes += try transfer(count - bytes.count, endpoint: endpoint, deadline: deadline)
            } catch .timedOut {
                throw .timedOut(transferred: bytes.count)
            }
        }
        return bytes
    }

    /// One bulk IN transfer, in slices so a concurrent `close()` is noticed.
    private func transfer(_ count: Int, endpoint: UInt8, deadline: Deadline) throws(TransportError) -> [UInt8] {
        while true {
            if calls.isClosed { throw .closed }
            let slice = min(deadline, Deadline.after(GA467USBTransport.slice))
            do {
                return try device.read(upTo: count, endpoint: endpoint, deadline: slice)
            } catch .timedOut {
                if deadline.hasPassed { throw .timedOut(transferred: 0) }
            }
        }
    }
}
