import KioskIO

/// What the flow's runtime asks of the camera in 身份证比对: stream while the face step is on screen, and take the
/// frame that is sent to the central identity service (docs/face-verification.md).
public protocol CameraCapturing: Sendable {
    /// The face step began: open the camera and stream (the live preview reads the frames).
    func beginStreaming() async
    /// The face step ended: stop streaming, close the camera and wipe every frame held.
    func endStreaming() async
    /// A frame taken after this call, as JPEG no larger than the identity service's limit.
    func capture(deadline: Deadline) async throws(CameraError) -> CameraFrame
}
