import Foundation
import Glibc
import KioskCore
import KioskHTTP
import KioskIO

/// The central simulator for `kioskd --simulate`, as a process of its own (`kioskctl simulate central`: libcups keeps
/// one set of server credentials per process, and kioskd's pull API has its own). Its certificate is pinned by the
/// push and registration settings it hands out; it exits with its parent.
public final class SimulatedCentre: @unchecked Sendable {
    public let url: String
    /// The plain loopback control listener (`POST /sim/mode`, `GET /sim/received`, `POST /sim/pull`).
    public let control: String
    public let certificateSHA256: String
    /// The file holding the bearer token the centre accepts (mode 0600).
    public let tokenFile: String
    /// The token the centre pulls with (`central.pull.tokenSHA256` holds its hash).
    let pullToken = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    private let child: ChildProcess

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Starts `kioskctl simulate central` (found beside the running kioskd) with its credentials and token in
    /// `directory`, and waits (at most 30 s) for the line that names its URL and certificate.
    public static func start(directory: URL) throws -> SimulatedCentre {
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let tokenFile = directory.appendingPathComponent("token").path
        // SystemRandomNumberGenerator reads getrandom(2) on Linux.
        let token = (0..<24).map { _ in UInt8.random(in: 0...255) }.map { String(format: "%02x", $0) }.joined()
        _ = unlink(tokenFile)
        guard
            FileManager.default.createFile(
                atPath: tokenFile, contents: Data(token.utf8), attributes: [.posixPermissions: 0o600])
        else { throw Failure(description: "cannot write \(tokenFile)") }
        let kioskctl = Self.kioskctlPath()
        let child = try ChildProcess(
            kioskctl,
            [
                "simulate", "central", "--listen", "127.0.0.1:0", "--dir", directory.appendingPathComponent("tls").path,
                "--token-file", tokenFile, "--exit-with-parent",
            ], environment: ["PATH": "/usr/bin:/bin"])
        guard child.waitForOutput(containing: "}\n", deadline: .after(seconds: 30)),
            let line = child.output.split(separator: "\n").first(where: { $0.hasPrefix("{") }),
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let url = object["url"] as? String, let control = object["control"] as? String,
            let fingerprint = object["certificateSHA256"] as? String
        else {
            child.stop()
            throw Failure(description: "the central simulator (\(kioskctl)) did not start: \(child.output)")
        }
        return SimulatedCentre(
            child: child, url: url, control: control, certificateSHA256: fingerprint, tokenFile: tokenFile)
    }

    private init(child: ChildProcess, url: String, control: String, certificateSHA256: String, tokenFile: String) {
        self.child = child
        self.url = url
        self.control = control
        self.certificateSHA256 = certificateSHA256
        self.tokenFile = tokenFile
    }

    /// kioskctl in the directory of the running executable (the build or install directory), else on the PATH.
    static func kioskctlPath() -> String {
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        let beside = URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("kioskctl").path
        if !own.isEmpty, FileManager.default.isExecutableFile(atPath: beside) { return beside }
        for directory in ["/usr/local/bin", "/usr/bin"]
        where FileManager.default.isExecutableFile(
            atPath: directory + "/kioskctl")
        {
            return directory + "/kioskctl"
        }
        return beside
    }

    private var verification: PeerVerification {
        PeerVerification.pin(hex: certificateSHA256) ?? .systemTrust
    }

    /// `central.push` pointing at the simulator, its certificate pinned.
    public var pushConfig: PushConfig? {
        HTTPSURL(url + "/v1/events").map { PushConfig(url: $0, tokenFile: tokenFile, verification: verification) }
    }

    /// `central.registration` pointing at the simulator, its certificate pinned.
    public var registrationConfig: RegistrationConfig? {
        HTTPSURL(url + "/v1/registrations").map {
            RegistrationConfig(url: $0, tokenFile: tokenFile, verification: verification)
        }
    }

    /// `central.identity` pointing at the simulator's identity service, its certificate pinned.
    public var identityConfig: IdentityConfig? {
        HTTPSURL(url + "/identity/v1/verify").map {
            IdentityConfig(url: $0, tokenFile: tokenFile, verification: verification)
        }
    }

    /// `central.pull` for the centre to pull from: loopback, TLS with kioskd's own certificate.
    var pullConfig: PullConfig {
        PullConfig(host: "127.0.0.1", port: 0, tls: true, tokenSHA256: [SHA256.digest(Array(pullToken.utf8))])
    }

    /// Tells the centre to pull from kioskd's pull API at `url`, pinning `certificateSHA256`.
    func pull(from url: String, certificateSHA256: String?) throws {
        var body: [String: Any] = ["url": url, "token": pullToken, "intervalMs": 300]
        if let certificateSHA256 { body["pinSHA256"] = certificateSHA256 }
        try controlPost("/sim/pull", body: try JSONSerialization.data(withJSONObject: body))
    }

    /// `POST /sim/mode` with `mode` (e.g. `["pull": "paused"]`).
    func setMode(_ mode: [String: Any]) throws {
        try controlPost("/sim/mode", body: try JSONSerialization.data(withJSONObject: mode))
    }

    /// What the centre received (`GET /sim/received`): counts and, per distinct event, how it came.
    func received() throws -> [String: Any] {
        let body = try controlPost("/sim/received", body: Data(), method: "GET")
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw Failure(description: "the central simulator's /sim/received is not a JSON object")
        }
        return object
    }

    /// One request to the plain loopback control listener (`Connection: close`), at most 10 s; the body, or throws
    /// unless 200.
    @discardableResult
    func controlPost(_ path: String, body: Data, method: String = "POST") throws -> [UInt8] {
        guard let colon = control.lastIndex(of: ":"), let port = UInt16(control[control.index(after: colon)...]) else {
            throw Failure(description: "no port in \(control)")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw SystemError("connect to the central simulator's control") }
        let head =
            "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let request = Array(head.utf8) + Array(body)
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw SystemError("send to the central simulator's control") }
            sent += n
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            answer += buffer[..<n]
            if answer.count > 1 << 20 { break }
        }
        let statusLine = String(decoding: answer.prefix { $0 != 13 }, as: UTF8.self)
        guard statusLine.hasPrefix("HTTP/1.1 200") || statusLine.hasPrefix("HTTP/1.0 200") else {
            throw Failure(description: "the central simulator's control answered '\(statusLine)'")
        }
        guard let end = Self.headEnd(answer) else { return [] }
        return Array(answer[end...])
    }

    /// The index after the blank line that ends an HTTP head.
    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index..<index + 4].elementsEqual([13, 10, 13, 10]) {
            return index + 4
        }
        return nil
    }

    public var isRunning: Bool { child.isRunning }

    public func stop() { child.stop() }
}
