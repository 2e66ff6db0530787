/// Why a transport call did not move the bytes it was asked to.
public enum TransportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The device is gone (unplugged, peer closed, PTY replica closed). Every pending and later call fails with this.
    case disconnected(String)
    /// The deadline passed; `transferred` bytes had moved by then.
    case timedOut(transferred: Int)
    /// The OS refused the call for another reason.
    case system(SystemError)
    /// The transport was closed by us.
    case closed

    public var description: String {
        switch self {
        case .disconnected(let what): "device disconnected (\(what))"
        case .timedOut(let transferred): "timed out after \(transferred) bytes"
        case .system(let error): error.description
        case .closed: "transport closed"
        }
    }
}

/// Byte-in/byte-out with deadlines: the one seam every device driver talks through (docs/ARCHITECTURE.md §3).
///
/// Calls block the calling thread, so drivers call them from their transport thread, never from an actor's executor.
/// When the device vanishes, every pending and later call fails at once with `.disconnected` (pcsc-lite's rule).
public protocol ByteTransport: AnyObject, Sendable {
    /// Writes all of `bytes` or throws.
    func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError)
    /// Returns 1...`maxCount` bytes as soon as any are available, or throws `.timedOut(transferred: 0)`.
    func read(upTo maxCount: Int, deadline: Deadline) throws(TransportError) -> [UInt8]
    /// Discards whatever input is buffered but not yet read.
    func discardInput() throws(TransportError)
    /// Releases the device; pending calls on other threads fail with `.closed` or `.disconnected`.
    func close()
}
