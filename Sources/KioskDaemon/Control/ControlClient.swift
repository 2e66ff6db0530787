import Foundation
import KioskIO

/// The client side of the control sockets (kioskctl, scripts, tests): connects, reads the `hello`, then one JSON
/// reply per request, over the same line framing and limits the server uses.
public final class ControlClient {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public private(set) var hello: [String: Any] = [:]
    private let path: String
    private let channel: LineChannel

    public init(path: String, timeout: Duration = .seconds(10)) throws(Failure) {
        self.path = path
        do {
            channel = LineChannel(try UnixSocket.connect(path: path, deadline: .after(timeout)))
        } catch {
            throw Failure(
                description: "cannot reach kioskd at \(path) (\(error)); check: systemctl status kioskd")
        }
        hello = try readObject(timeout: timeout)
        guard hello["class"] as? String == "hello" else {
            throw Failure(description: "kioskd at \(path) said \(hello["error"] ?? "something else") instead of hello")
        }
    }

    deinit { channel.transport.close() }

    /// Sends `object` and returns the reply.
    public func request(_ object: [String: Any], timeout: Duration = .seconds(30)) throws(Failure) -> [String: Any] {
        do {
            try channel.write(object)
        } catch {
            throw Failure(description: "cannot send to kioskd at \(path) (\(error))")
        }
        return try readObject(timeout: timeout)
    }

    /// Sends bytes as they are (tests of malformed requests).
    public func sendRaw(_ bytes: [UInt8]) throws(Failure) {
        do { try channel.transport.write(bytes, deadline: .after(.seconds(5))) } catch {
            throw Failure(description: "cannot send to kioskd at \(path) (\(error))")
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
