import KioskIO

/// Whether a frame from the source is a JPEG the driver may hand on: the one place frames are checked, so the full
/// JPEG parser (KioskProtocols' `JPEGFrameInfo`, from the V4L2 work) replaces this body alone.
enum CameraFrameCheck {
    /// Throws `garbage` unless the bytes start with SOI (FF D8) and end with EOI (FF D9), and `frameTooLarge` over
    /// `limit`.
    static func validate(_ frame: CameraFrame, limit: Int) throws(CameraError) {
        let bytes = frame.jpeg
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else {
            throw .garbage(why: "no JPEG start-of-image marker")
        }
        guard bytes[bytes.count - 2] == 0xFF, bytes[bytes.count - 1] == 0xD9 else {
            throw .garbage(why: "no JPEG end-of-image marker")
        }
        guard bytes.count <= limit else { throw .frameTooLarge(bytes: bytes.count, limit: limit) }
    }
}
