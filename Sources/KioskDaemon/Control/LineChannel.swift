import Foundation
import KioskControl
import KioskIO

/// JSON lines over a byte transport: one request or reply per `\n`-terminated line, each at most `maximumLine`
/// bytes, every read and write with a deadline.
final class LineChannel: @unchecked Sendable {
    /// Room for `flow sign` with a base64 signature image of 256 KiB (about 350,000 bytes), and no more.
    static let maximumLine = ControlProtocol.maximumRequestBytes
    let transport: any ByteTransport
    private var buffer: [UInt8] = []

    init(_ transport: any ByteTransport) { self.transport = transport }

    enum ReadError: Error { case tooLong, closed, timedOut }

    /// The next line without its newline.
    func readLine(deadline: Deadline) throws(ReadError) -> String {
        String(decoding: try readLineBytes(deadline: deadline), as: UTF8.self)
    }

    /// The next line's bytes without its newline.
    func readLineBytes(deadline: Deadline) throws(ReadError) -> [UInt8] {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            guard buffer.count <= Self.maximumLine else { throw .tooLong }
            do {
                buffer += try transport.read(upTo: 4096, deadline: deadline)
            } catch .timedOut {
                throw .timedOut
            } catch {
                throw .closed
            }
        }
    }

    /// A typed message (docs/control-protocol.md) as one line.
    func write(_ message: some Encodable, deadline: Deadline = .after(.seconds(5))) throws(TransportError) {
        let line =
            (try? ControlProtocol.encodeLine(message))
            ?? Array("{\"class\":\"error\",\"ok\":false,\"error\":\"unencodable reply\"}\n".utf8)
        try transport.write(line, deadline: deadline)
    }

    func write(_ object: [String: Any], deadline: Deadline = .after(.seconds(5))) throws(TransportError) {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{\"class\":\"error\",\"ok\":false,\"error\":\"unencodable reply\"}".utf8)
        try transport.write(Array(data) + [0x0A], deadline: deadline)
    }
}
