import Foundation
import KioskIO

/// A loopback TCP proxy that records what passes between a driver and a network printer into a `CaptureRecorder`,
/// the way kioskd's `RecordingTransport` would on the driver's own transport (used to make capture fixtures of the
/// ESC/POS simulator, whose driver opens its socket itself). Serves one connection at a time until `stop()`.
final class CaptureRecordingProxy: @unchecked Sendable {
    let recorder = CaptureRecorder()
    let port: UInt16
    private let listener: SocketListener
    private let upstream: (host: String, port: UInt16)
    private let lock = NSLock()
    private var open: [any ByteTransport] = []
    private var stopped = false

    init(to host: String, port upstreamPort: UInt16) throws {
        listener = try SocketListener.tcp(host: "127.0.0.1", port: 0)
        port = listener.port ?? 0
        upstream = (host, upstreamPort)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    func stop() {
        let transports = lock.withLock { () -> [any ByteTransport] in
            stopped = true
            return open
        }
        listener.close()
        for transport in transports { transport.close() }
    }

    private func acceptLoop() {
        while !lock.withLock({ stopped }) {
            guard let client = try? listener.accept(deadline: .after(.seconds(60))).transport,
                let device = try? TCPSocket.connect(
                    host: upstream.host, port: upstream.port, deadline: .after(.seconds(5)))
            else { continue }
            let recorded = RecordingTransport(device, recorder: recorder)
            lock.withLock { open += [client, recorded] }
            let up = Thread { Self.pump(from: client, to: recorded) }
            up.start()
            Self.pump(from: recorded, to: client)
        }
    }

    private static func pump(from source: any ByteTransport, to sink: any ByteTransport) {
        while true {
            do {
                let bytes = try source.read(upTo: 8192, deadline: .after(.seconds(3600)))
                try sink.write(bytes, deadline: .after(.seconds(5)))
            } catch .timedOut {
                continue
            } catch {
                source.close()
                sink.close()
                return
            }
        }
    }
}
