/// A response body produced over time, such as Server-Sent Events. The server sends it chunked (HTTP/1.1) or until
/// the connection closes (HTTP/1.0) on the connection's own thread, asking for the next piece in short slices so that
/// a client that went away, a newer stream over the listener's cap, or a server shutdown ends it promptly.
///
/// The producer never writes to the socket itself: it answers `next`, and the server writes.
public protocol HTTPResponseStream: AnyObject, Sendable {
    /// What to send next, waiting at most `timeout` for it (`nothingYet` when the time is up).
    func next(waitingAtMost timeout: Duration) -> HTTPStreamChunk
    /// The server is done with the stream (it ended, the client went, it was closed for a newer one, or the server
    /// stops). Called once, from any thread; a wait in `next` should end at once.
    func close()
}

/// One answer of `HTTPResponseStream.next`.
public enum HTTPStreamChunk: Sendable, Hashable {
    /// Bytes to send now (an empty array sends nothing).
    case bytes([UInt8])
    /// Bytes to send now that the server overwrites with zeros once written (or once the write failed): personal
    /// data such as a camera frame, so that no copy outlives its write.
    case wipedAfterWrite([UInt8])
    /// Nothing to send yet; ask again.
    case nothingYet
    /// The stream is complete: the server ends the body and closes the connection.
    case end
}
