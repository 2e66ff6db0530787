import CCups
import Dispatch
import KioskIO

/// Runs CUPS requests for one server on one serial queue (libcups keeps per-thread state and blocks), keeps the
/// connection open between requests and reconnects after a failure. Every call has a deadline.
final class CUPSClient: @unchecked Sendable {
    /// A socket path ("/run/cups/cups.sock") or "host[:port]".
    let server: String
    private let host: String
    private let port: Int32
    private let queue: DispatchQueue
    /// Touched only on `queue`.
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
        queue = DispatchQueue(label: "kioskd.cups.\(resolved)")
    }

    /// Runs `body` with a live connection (opened within `deadline` if needed); a failed request drops the
    /// connection so the next call reconnects.
    func run<T: Sendable>(deadline: Deadline, _ body: @escaping @Sendable (CUPSConnection) throws(CUPSError) -> T)
        async throws(CUPSError) -> T
    {
        let result: Result<T, CUPSError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: self.runOnQueue(deadline: deadline, body))
            }
        }
        return try result.get()
    }

    private func runOnQueue<T>(deadline: Deadline, _ body: (CUPSConnection) throws(CUPSError) -> T) -> Result<
        T, CUPSError
    > {
        guard !deadline.hasPassed else {
            return .failure(.unreachable(server: server, detail: "deadline passed before the request"))
        }
        // A kept connection may have gone stale (cupsd restarted): one retry on a fresh connection.
        let reused = connection != nil
        for attempt in 0..<2 {
            do {
                let live: CUPSConnection
                if let connection {
                    live = connection
                } else {
                    let requestTimeout = min(10, max(0.5, Double(deadline.remaining.components.seconds) + 0.5))
                    live = try CUPSConnection(
                        host: host, port: port, connectTimeout: deadline, requestTimeout: requestTimeout)
                    connection = live
                }
                return .success(try body(live))
            } catch {
                if case .notFound = error { return .failure(error) }
                connection = nil
                if case .unreachable = error { return .failure(error) }
                if !reused || attempt == 1 || deadline.hasPassed { return .failure(error) }
            }
        }
        return .failure(.unreachable(server: server, detail: "no answer"))
    }

    /// A one-off request to another server (an IPP printer behind a queue), on this client's queue.
    func runElsewhere<T: Sendable>(
        host: String, port: Int32, deadline: Deadline,
        _ body: @escaping @Sendable (CUPSConnection) throws(CUPSError) -> T
    ) async throws(CUPSError) -> T {
        let result: Result<T, CUPSError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(
                    returning: Result { () throws(CUPSError) -> T in
                        let connection = try CUPSConnection(
                            host: host, port: port, connectTimeout: deadline, requestTimeout: 5)
                        return try body(connection)
                    })
            }
        }
        return try result.get()
    }
}
