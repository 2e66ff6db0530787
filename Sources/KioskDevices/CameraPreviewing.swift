import KioskIO

/// What the UI's live preview (`GET /ui/v1/camera`) reads: the camera's frames, throttled, while the face step is
/// active. The stream ends when the step ends or the camera fails; frames handed out are wiped by the reader after
/// they are written.
public protocol CameraPreviewing: Sendable {
    func previewFrames(maximumPerSecond: Int) async -> AsyncStream<CameraFrame>
}
