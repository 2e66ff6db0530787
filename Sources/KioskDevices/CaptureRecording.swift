import Foundation
import KioskIO
import KioskProtocols

/// Which protocol's personal data to mask when a recording becomes a capture file (docs/device-capture.md).
public enum CaptureProtocol: Sendable {
    case ga467
    case escpos
    /// No masking: the capture keeps personal data (`--include-personal-data`, audited by the caller).
    case unmasked
}

extension DeviceCapture {
    /// The chunks `recorder` holds as a capture, masked for `masking`.
    public init(
        recorder: CaptureRecorder, role: String, transport: String, version: String, start: Date,
        masking: CaptureProtocol
    ) {
        var chunks = recorder.chunks.map { chunk in
            let parts = chunk.offset.components
            return CaptureChunk(
                microseconds: parts.seconds * 1_000_000 + parts.attoseconds / 1_000_000_000_000,
                direction: chunk.toDevice ? .toDevice : .fromDevice, bytes: chunk.bytes)
        }
        switch masking {
        case .ga467: chunks = CaptureMasking.maskGA467(chunks)
        case .escpos: chunks = CaptureMasking.maskESCPOS(chunks)
        case .unmasked: break
        }
        let formatter = ISO8601DateFormatter()
        let header = CaptureHeader(
            role: role, transport: transport, version: version, start: formatter.string(from: start),
            masked: masking != .unmasked, truncated: recorder.droppedBytes > 0)
        self.init(header: header, chunks: chunks)
    }
}
