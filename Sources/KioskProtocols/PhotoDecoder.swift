/// The seam for turning the card's 1024-byte WLT photo into an image. No open decoder exists (docs/device-protocols.md
/// §1.8): a licensed vendor library must do it, and it should run in a separate process so a crash in vendor code
/// cannot take the daemon down. An implementation lives outside the pure layers (e.g. a helper process client in
/// KioskDevices).
public protocol PhotoDecoder: Sendable {
    /// Decodes `wlt` (1024 bytes) to a 102 × 126 px 24-bit BMP, or throws.
    func decode(wlt: [UInt8]) async throws -> DecodedPhoto
}

/// A decoded card photo. Personal data: only its size is ever printed.
public struct DecodedPhoto: Sendable, Hashable, CustomStringConvertible {
    /// What vendor decoders produce: 102 × 126 px, 24-bit BMP with a 308-byte row stride.
    public static let expectedWidth = 102
    public static let expectedHeight = 126

    public let width: Int
    public let height: Int
    /// The encoded image (BMP as vendor decoders return it).
    public let bmp: [UInt8]

    public init(width: Int, height: Int, bmp: [UInt8]) {
        self.width = width
        self.height = height
        self.bmp = bmp
    }

    public var description: String { "DecodedPhoto(\(width)×\(height), \(bmp.count) bytes)" }
}

/// Used until a licensed decoder is configured: always says so, never pretends.
public struct UnavailablePhotoDecoder: PhotoDecoder {
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String {
            "no WLT photo decoder is configured; the photo stays opaque (install the vendor decoder helper to show it)"
        }
    }

    public init() {}

    public func decode(wlt: [UInt8]) async throws -> DecodedPhoto { throw Unavailable() }
}
