import KioskIO

/// Wraps each transport a driver opens, so kioskd can record a device's traffic (`kioskctl capture`,
/// docs/device-capture.md) without the driver knowing. Equal by identity, so configurations holding one stay
/// comparable.
public final class TransportTap: Sendable, Equatable {
    private let wrap: @Sendable (any ByteTransport) -> any ByteTransport

    public init(_ wrap: @escaping @Sendable (any ByteTransport) -> any ByteTransport) { self.wrap = wrap }

    public func callAsFunction(_ transport: any ByteTransport) -> any ByteTransport { wrap(transport) }

    public static func == (lhs: TransportTap, rhs: TransportTap) -> Bool { lhs === rhs }
}
