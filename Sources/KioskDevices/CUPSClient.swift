import CCups
import KioskIO

/// Runs CUPS requests for one server on one lane (a `BlockingLane`: libcups keeps per-thread state and blocks), keeps
/// the connection open between requests and reconnects after a failure. Every call has a deadline; the open connection
/// is attached to the lane, so `stop()` shuts its socket and a request blocked on a silent cupsd fails at once.
final class CUPSClient: @unchecked Sendable {
    /// A socket path ("/run/cups/cups.sock") or "host[:port]".
    let server: String
    private let host: String
    private let port: Int32
    private let lane: BlockingLane
    /// Touched only on `lane`.
    private var connection: CUPSConnection?

    /// `server` nil means libcups's default (`CUPS_SERVER`, client.conf, /run/cups/cups.sock).
    init(server: String?) {
        let resolved = server ?? String(cString: cupsServer())
        self.server = resolved
        if resolved.hasPrefix("/") {
            host = resolved
            port = ippPort()
        } else if let colon = resolved.lastIndex(of: ":"), let number = Int32(resolved[resolved.index(after: colon)...])
        {
            host = String(resolved[..<colon])
            port = number
        } else {
            host = resolved
            port = ippPort()
        }
        lane = BlockingLane(name: "kioskd cups")
    }

    /// The lane's thread ends with the client (a licence printer dropped without `stop()`).
    deinit { lane.close() }

    /// Closes the lane: a blocked request fails at once, later ones without reaching cupsd.
    func stop() { lane.close() }

    private var stopped: CUPSError { .unreachable(server: server, detail: "the licence printer's driver was stopped") }

    /// Runs `body` with a live connection (opened within `deadline` if needed); a failed request drops the
    /// connection so the next call reconnects.
    func run<T: Sendable>(deadline: Deadline, _ body: @escaping @Sendable (CUPSConnection) throws(CUPSError) -> T)
        async throws(CUPSError) -> T
    {
        try await lane.perform(whenClosed: .failure(stopped)) { self.runOnLane(deadline: deadline, body) }.get()
    }

    private func runOnLane<T>(deadline: Deadline, _ body: (CUPSConnection) throws(CUPSError) -> T) -> Result<
        T, CUPSError
    > {
        guard !deadline.hasPassed else {
            return .failure(.unreachable(server: server, detail: "deadline passed before the request"))
        }
        // A kept connection may have gone stale (cupsd restarted): one retry on a fresh connection.
        let reused = connection != nil
        for attempt in 0..<2 {
            if lane.isClosed { return .failure(stopped) }
            do {
                let live: CUPSConnection
                if let connection {
                    live = connection
                } else {
                    let requestTimeout = min(10, max(0.5, Double(deadline.remaining.components.seconds) + 0.5))
                    live = try CUPSConnection(
                        host: host, port: port, connectTimeout: deadline, requestTimeout: requestTimeout)
                    guard lane.attach(live, interrupt: { live.interrupt() }) else { return .failure(stopped) }
                    connection = live
                }
                return .success(try body(live))
            } catch {
                if lane.isClosed { return .failure(stopped) }
                if case .notFound = error { return .failure(error) }
                if let connection { lane.detach(connection) }
                connection = nil
                if case .unreachable = error { return .failure(error) }
                if !reused || attempt == 1 || deadline.hasPassed { return .failure(error) }
            }
        }
        return .failure(.unreachable(server: server, detail: "no answer"))
    }

    /// A one-off request to another server (an IPP printer behind a queue), on this client's lane.
    func runElsewhere<T: Sendable>(
        host: String, port: Int32, deadline: Deadline,
        _ body: @escaping @Sendable (CUPSConnection) throws(CUPSError) -> T
    ) async throws(CUPSError) -> T {
        let stopped = stopped
        let result: Result<T, CUPSError> = await lane.perform(whenClosed: .failure(stopped)) { [lane] in
            Result { () throws(CUPSError) -> T in
                let connection = try CUPSConnection(host: host, port: port, connectTimeout: deadline, requestTimeout: 5)
                guard lane.attach(connection, interrupt: { connection.interrupt() }) else { throw stopped }
                defer { lane.detach(connection) }
                return try body(connection)
            }
        }
        return try result.get()
    }
}
