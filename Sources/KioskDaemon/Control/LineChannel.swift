import Foundation
import KioskIO

/// JSON lines over a byte transport: one request or reply per `\n`-terminated line, each at most `maximumLine`
/// bytes, every read and write with a deadline.
final class LineChannel: @unchecked Sendable {
    /// Room for `flow sign` with a base64 signature image of 256 KiB (about 350,000 bytes), and no more.
    static let maximumLine = 512 * 1024
    let transport: any ByteTransport
    private var buffer: [UInt8] = []

    init(_ transport: any ByteTransport) { self.transport = transport }

    enum ReadError: Error { case tooLong, closed, timedOut }

    /// The next line without its newline.
    func readLine(deadline: Deadline) throws(ReadError) -> String {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return String(decoding: line, as: UTF8.self)
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

    func write(_ object: [String: Any], deadline: Deadline = .after(.seconds(5))) throws(TransportError) {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{\"class\":\"error\",\"ok\":false,\"error\":\"unencodable reply\"}".utf8)
        try transport.write(Array(data) + [0x0A], deadline: deadline)
    }
}
