import KioskIO
import KioskProtocols

/// Whether a frame from the source is a JPEG the driver may hand on: the one place frames are checked, by their
/// marker structure (`JPEGFrameInfo`, docs/camera-v4l2.md).
enum CameraFrameCheck {
    /// The frame as it may be handed on: a whole JPEG of the size the frame claims, trimmed at EOI, with the standard
    /// Huffman tables when it had none (UVC MJPEG); `garbage` with the reason otherwise, `frameTooLarge` over `limit`.
    /// A frame replaced by a repaired copy is wiped.
    static func checked(_ frame: CameraFrame, limit: Int) throws(CameraError) -> CameraFrame {
        let info: JPEGFrameInfo
        do {
            info = try JPEGFrameInfo(parsing: frame.jpeg)
        } catch {
            throw .garbage(why: error.description)
        }
        guard info.width == frame.width, info.height == frame.height else {
            throw .garbage(why: "a \(info.width)×\(info.height) image in a \(frame.width)×\(frame.height) frame")
        }
        var handed = frame
        if !info.hasHuffmanTables || info.length != frame.jpeg.count {
            do {
                handed = CameraFrame(
                    jpeg: try JPEGFrameInfo.withStandardHuffmanTables(frame.jpeg), width: frame.width,
                    height: frame.height)
            } catch {
                throw .garbage(why: error.description)
            }
            frame.wipe()
        }
        guard handed.jpeg.count <= limit else { throw .frameTooLarge(bytes: handed.jpeg.count, limit: limit) }
        return handed
    }
}
