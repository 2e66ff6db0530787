/// The bounds one `HTTPServer` enforces. The defaults are the served API's; tests shorten the deadlines.
public struct HTTPLimits: Sendable, Hashable {
    /// Request line plus header lines, in bytes taken from the socket (see `HTTPServer` on TLS).
    public var headerBytes = 16 * 1024
    /// Header lines after the request line.
    public var headerFields = 64
    /// A request body, which must come with `Content-Length`.
    public var bodyBytes = 1 << 20
    /// From accepting a connection (or from the first byte of a later request on it) to the end of the head.
    public var headerTimeout: Duration = .seconds(10)
    /// From the end of the head to the last byte of the body.
    public var bodyTimeout: Duration = .seconds(30)
    /// A kept-alive connection with no new request is closed after this.
    public var idleTimeout: Duration = .seconds(15)
    /// Writing one response (a client that does not read is dropped).
    public var writeTimeout: Duration = .seconds(30)
    /// Connections served at once; one more is answered 503 with `Retry-After` and closed.
    public var connections = 64
    /// The `Retry-After` of that 503, in seconds.
    public var retryAfterSeconds = 5
    /// Connections beyond `connections` being turned away at once (each needs a thread for the TLS handshake and
    /// the 503); beyond these, a connection is closed without an answer.
    public var refusers = 8
    /// How long a refused connection may take to send its head before it gets the 503 anyway.
    public var refusalTimeout: Duration = .seconds(2)
    /// Streamed responses (Server-Sent Events) at once; a newer one closes the oldest.
    public var streams = 8

    public init() {}
}
