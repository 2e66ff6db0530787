import Foundation
import Glibc
import Testing

@testable import KioskIO

struct SocketListenerTests {
    @Test func tcp_ephemeralPort_isReportedAndCarriesBytesBothWays() throws {
        let listener = try SocketListener.tcp(port: 0)
        defer { listener.close() }
        let port = try #require(listener.port)
        #expect(port != 0)
        let client = try TCPSocket.connect(host: "127.0.0.1", port: port, deadline: .after(seconds: 5))
        defer { client.close() }
        let server = try listener.accept(deadline: .after(seconds: 5))
        defer { server.transport.close() }
        #expect(server.peer == nil)
        try client.write([0x10, 0x04, 0x01], deadline: .after(seconds: 5))
        #expect(try server.transport.read(upTo: 16, deadline: .after(seconds: 5)) == [0x10, 0x04, 0x01])
        try server.transport.write([0x12], deadline: .after(seconds: 5))
        #expect(try client.read(upTo: 16, deadline: .after(seconds: 5)) == [0x12])
    }

    @Test func tcp_peerClosing_isDisconnectedForTheReader() throws {
        let listener = try SocketListener.tcp(port: 0)
        defer { listener.close() }
        let client = try TCPSocket.connect(
            host: "127.0.0.1", port: try #require(listener.port), deadline: .after(seconds: 5))
        let server = try listener.accept(deadline: .after(seconds: 5))
        defer { server.transport.close() }
        client.close()
        #expect {
            _ = try server.transport.read(upTo: 1, deadline: .after(seconds: 5))
        } throws: { error in
            if case TransportError.disconnected = error { return true }
            return false
        }
    }

    @Test func connect_nobodyListening_isDisconnected() throws {
        // Bind, learn the port, close: nothing listens there now.
        let listener = try SocketListener.tcp(port: 0)
        let port = try #require(listener.port)
        listener.close()
        #expect {
            _ = try TCPSocket.connect(host: "127.0.0.1", port: port, deadline: .after(seconds: 5))
        } throws: { error in
            if case TransportError.disconnected = error { return true }
            return false
        }
    }

    @Test func accept_noClient_timesOutAtDeadline() throws {
        let listener = try SocketListener.tcp(port: 0)
        defer { listener.close() }
        #expect(throws: TransportError.timedOut(transferred: 0)) {
            _ = try listener.accept(deadline: .after(.milliseconds(50)))
        }
    }

    @Test func close_fromAnotherThread_endsPendingAccept() async throws {
        let listener = try SocketListener.tcp(port: 0)
        let outcome = Task.detached { () -> TransportError? in
            do {
                _ = try listener.accept(deadline: .after(seconds: 30))
                return nil
            } catch { return error as? TransportError }
        }
        // Whether close lands before or during accept, the answer is `.closed`.
        listener.close()
        #expect(await outcome.value == .closed)
    }

    @Test func unix_peerCredentials_areThisProcess() throws {
        let path = NSTemporaryDirectory() + "kiosk-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let listener = try SocketListener.unix(path: path, mode: 0o600)
        defer { listener.close() }
        var info = stat()
        #expect(lstat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let client = try UnixSocket.connect(path: path, deadline: .after(seconds: 5))
        defer { client.close() }
        let server = try listener.accept(deadline: .after(seconds: 5))
        defer { server.transport.close() }
        #expect(server.peer == PeerCredentials(pid: getpid(), uid: getuid(), gid: getgid()))
        try client.write(Array("hello\n".utf8), deadline: .after(seconds: 5))
        #expect(try server.transport.read(upTo: 64, deadline: .after(seconds: 5)) == Array("hello\n".utf8))
    }

    @Test func unix_staleSocketFile_isReplaced_andCloseRemovesIt() throws {
        let path = NSTemporaryDirectory() + "kiosk-stale-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let first = try SocketListener.unix(path: path)
        // Simulate a crash: the file stays although nobody listens (a second bind must still work).
        let second = try SocketListener.unix(path: path)
        first.close()  // removes the path the second one now owns; rebinding again must still work
        let third = try SocketListener.unix(path: path)
        third.close()
        second.close()
        #expect(access(path, F_OK) != 0)
    }

    @Test func unix_regularFileInTheWay_isRefused() throws {
        let path = NSTemporaryDirectory() + "kiosk-file-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
        defer { unlink(path) }
        #expect(throws: SystemError.self) { _ = try SocketListener.unix(path: path) }
    }

    @Test func refuseWaiting_sendsTheLineToTheWaitingClient_andClosesIt() throws {
        let path = NSTemporaryDirectory() + "kiosk-refuse-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let listener = try SocketListener.unix(path: path)
        defer { listener.close() }
        let client = try UnixSocket.connect(path: path, deadline: .after(seconds: 5))
        defer { client.close() }
        #expect(listener.refuseWaiting(with: Array("busy\n".utf8)))
        #expect(try client.read(upTo: 64, deadline: .after(seconds: 5)) == Array("busy\n".utf8))
        #expect {
            _ = try client.read(upTo: 1, deadline: .after(seconds: 5))
        } throws: { error in
            if case TransportError.disconnected = error { return true }
            return false
        }
    }

    @Test func refuseWaiting_nobodyWaiting_isFalse() throws {
        let listener = try SocketListener.tcp(port: 0)
        defer { listener.close() }
        #expect(!listener.refuseWaiting(with: Array("busy\n".utf8)))
    }

    @Test func unix_pathTooLong_isRefused() {
        let path = "/tmp/" + String(repeating: "x", count: 200)
        #expect(throws: SystemError.self) { _ = try SocketListener.unix(path: path) }
    }
}
