/// How a licence print ended, as far as anyone can know. Only `completed` means the sheet came out; `unknown` is
/// never reprinted automatically — a technician looks at the tray and decides (docs/ARCHITECTURE.md §4.4).
public enum LicencePrintOutcome: Sendable, Hashable, Codable, CustomStringConvertible {
    case completed
    /// The job ended without printing: cancelled, aborted (e.g. `document-format-error`), or the printer
    /// refused it (media empty, jam).
    case failed(reason: String)
    /// We lost track: timeout, cupsd restarted, the daemon restarted, the job vanished.
    case unknown(reason: String)

    public var description: String {
        switch self {
        case .completed: "completed"
        case .failed(let reason): "failed: \(reason)"
        case .unknown(let reason): "unknown: \(reason)"
        }
    }

    /// `completed`, `failed` or `unknown`.
    public var kind: String {
        switch self {
        case .completed: "completed"
        case .failed: "failed"
        case .unknown: "unknown"
        }
    }
}
