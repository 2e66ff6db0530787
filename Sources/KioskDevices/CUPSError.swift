/// What went wrong talking to cupsd or an IPP printer.
public enum CUPSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No connection (cupsd not running, wrong socket path, printer off).
    case unreachable(server: String, detail: String)
    /// The job or queue does not exist (any more).
    case notFound(String)
    /// cupsd or the printer answered with an error status.
    case requestFailed(what: String, status: Int, message: String)

    public var description: String {
        switch self {
        case .unreachable(let server, let detail):
            "cupsd at \(server) is not reachable (\(detail)); check that cupsd runs and the socket path (--server / CUPS_SERVER) is right"
        case .notFound(let what): "\(what): not found at cupsd"
        case .requestFailed(let what, let status, let message):
            "\(what) failed (IPP status 0x\(String(status, radix: 16))): \(message)"
        }
    }
}
