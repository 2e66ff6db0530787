import Foundation
import KioskControl
import KioskIO

/// The client side of the control sockets (kioskctl, scripts, tests): connects, reads the `hello`, then one reply
/// per request, over the same line framing and limits the server uses. Typed requests (`send`) for kioskctl;
/// dictionaries (`request`) for tests that probe the wire format.
public final class ControlClient {
    public struct Failure: Error, CustomStringConvertible {
        /// Why, so kioskctl can exit with the code a script expects (docs/control-protocol.md).
        public enum Kind: Sendable { case notRunning, permissionDenied, protocolError }
        public let kind: Kind
        public let description: String
        public init(description: String, kind: Kind = .protocolError) {
            self.description = description
            self.kind = kind
        }
    }

    public private(set) var hello: [String: Any] = [:]
    private let path: String
    private let channel: LineChannel

    public init(path: String, timeout: Duration = .seconds(10)) throws(Failure) {
        self.path = path
        do {
            channel = LineChannel(try UnixSocket.connect(path: path, deadline: .after(timeout)))
        } catch {
            throw Self.connectFailure(path: path, error)
        }
        hello = try readObject(timeout: timeout)
        guard hello["class"] as? String == "hello" else {
            let denied = hello["denied"] as? Bool == true
            throw Failure(
                description: denied
                    ? "permission denied: \(hello["error"] ?? "not authorised") (run as root or as the kioskd user)"
                    : "kioskd at \(path) said \(hello["error"] ?? "something else") instead of hello",
                kind: denied ? .permissionDenied : .protocolError)
        }
    }

    /// Tells a missing or dead daemon from a socket the user may not open, by what the file system says.
    private static func connectFailure(path: String, _ error: TransportError) -> Failure {
        var info = stat()
        if stat(path, &info) != 0 {
            let reason = errno
            if reason == EACCES {
                return Failure(
                    description: "permission denied: add your user to the kioskd group (cannot reach \(path))",
                    kind: .permissionDenied)
            }
            return Failure(description: "kioskd is not running (no socket at \(path))", kind: .notRunning)
        }
        if access(path, W_OK) != 0 && errno == EACCES {
            return Failure(
                description: "permission denied: add your user to the kioskd group (\(path) is not writable for you)",
                kind: .permissionDenied)
        }
        return Failure(
            description: "kioskd is not running (no one answers at \(path): \(error)); check: systemctl status kioskd",
            kind: .notRunning)
    }

    deinit { channel.transport.close() }

    /// The protocol version the daemon announced.
    public var protocolVersion: Int { hello["protocol"] as? Int ?? 0 }

    /// Sends `object` and returns the reply.
    public func request(_ object: [String: Any], timeout: Duration = .seconds(30)) throws(Failure) -> [String: Any] {
        do {
            try channel.write(object)
        } catch {
            throw Failure(description: "cannot send to kioskd at \(path) (\(error))")
        }
        return try readObject(timeout: timeout)
    }

    /// Sends a typed request; the reply as `Reply`, or the daemon's refusal.
    public func send<Reply: Decodable>(
        _ request: ControlRequest, expecting: Reply.Type, timeout: Duration = .seconds(30)
    )
        throws(Failure) -> Result<Reply, ErrorReply>
    {
        do {
            try channel.write(request)
        } catch {
            throw Failure(description: "cannot send to kioskd at \(path) (\(error))")
        }
        let line: [UInt8]
        do {
            line = try channel.readLineBytes(deadline: .after(timeout))
        } catch {
            throw Failure(description: "no reply from kioskd at \(path) (\(error))")
        }
        if let reply = ControlProtocol.decode(Reply.self, from: line) { return .success(reply) }
        if let refusal = ControlProtocol.decode(ErrorReply.self, from: line) { return .failure(refusal) }
        throw Failure(
            description: "kioskd sent a reply this kioskctl does not understand (protocol \(protocolVersion)): "
                + String(decoding: line.prefix(200), as: UTF8.self))
    }

    /// Sends bytes as they are (tests of malformed requests).
    public func sendRaw(_ bytes: [UInt8]) throws(Failure) {
        do { try channel.transport.write(bytes, deadline: .after(.seconds(5))) } catch {
            throw Failure(description: "cannot send to kioskd at \(path) (\(error))")
        }
    }

    /// The next line as it came (a `monitor` stream's events), for the caller to decode.
    public func nextLine(timeout: Duration) throws(Failure) -> [UInt8] {
        do {
            return try channel.readLineBytes(deadline: .after(timeout))
        } catch {
            throw Failure(description: "no reply from kioskd at \(path) (\(error))")
        }
    }

    /// The next reply line as a JSON object.
    public func readObject(timeout: Duration) throws(Failure) -> [String: Any] {
        let line: String
        do {
            line = try channel.readLine(deadline: .after(timeout))
        } catch {
            throw Failure(description: "no reply from kioskd at \(path) (\(error))")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            throw Failure(description: "kioskd sent something that is not a JSON object: \(line.prefix(200))")
        }
        return object
    }
}
