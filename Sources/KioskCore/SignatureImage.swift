import Foundation

/// The citizen's signature as the touch screen drew it: a PNG of at most 256 KiB. The flow keeps only its SHA-256;
/// the image is stored with the in-flight session and then with the transaction record, sent with the application to
/// the registration authority and to the centre, and purged by retention. Personal data: never logged.
public struct SignatureImage: Sendable, Hashable, CustomStringConvertible {
    public static let maximumBytes = 256 * 1024
    public static let mediaType = "image/png"
    /// The eight bytes every PNG file begins with.
    static let pngMagic: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Why bytes are not a signature image. Never carries the bytes.
    public enum Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        case empty
        case tooLarge(bytes: Int)
        case notPNG

        public var description: String {
            switch self {
            case .empty: "the signature image is empty"
            case .tooLarge(let bytes):
                "the signature image has \(bytes) bytes, above the limit of \(SignatureImage.maximumBytes) (256 KiB)"
            case .notPNG: "the signature image is not a PNG"
            }
        }
    }

    public let png: [UInt8]
    /// SHA-256 of `png`, lower-case hex: what the flow and the record keep.
    public let sha256: String

    public init(png: [UInt8]) throws(Refusal) {
        guard !png.isEmpty else { throw .empty }
        guard png.count <= Self.maximumBytes else { throw .tooLarge(bytes: png.count) }
        guard png.starts(with: Self.pngMagic) else { throw .notPNG }
        self.png = png
        sha256 = SHA256.hex(of: png)
    }

    /// The image as base64, for the JSON bodies that carry it.
    public var base64: String { Data(png).base64EncodedString() }

    public var description: String { "SignatureImage(\(png.count) bytes, sha256 \(sha256.prefix(12))…)" }
}
