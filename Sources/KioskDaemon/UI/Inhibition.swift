import Foundation

/// A technician took the terminal out of service (admin.sock `inhibit`): no new session starts and the screen shows
/// 暂停服务 until `release`. A session already running goes on.
public struct Inhibition: Sendable, Hashable, Codable {
    /// What the technician wrote (shown on the out-of-service screen; never personal data).
    public var reason: String
    public var since: Date
    /// Who, as the admin socket saw them (`uid 0`).
    public var by: String

    public static let maximumReasonLength = 200
}

/// The inhibition in force, kept in `stateDirectory/inhibited.json` so that a restart does not put an inhibited
/// terminal back in service behind the technician's back.
final class InhibitionSwitch: @unchecked Sendable {
    private let path: String
    private let lock = NSLock()
    private var current: Inhibition?

    init(stateDirectory: String) {
        path = stateDirectory + "/inhibited.json"
        if let data = FileManager.default.contents(atPath: path) {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            current = try? decoder.decode(Inhibition.self, from: data)
        }
    }

    var inhibition: Inhibition? { lock.withLock { current } }

    /// Sets (or replaces) the inhibition and writes it down; throws when it could not be written.
    func inhibit(_ inhibition: Inhibition) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(inhibition)
        try lock.withLock {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
            current = inhibition
        }
    }

    /// Lifts it; answers the one lifted (nil when none was in force).
    @discardableResult
    func release() throws -> Inhibition? {
        try lock.withLock {
            let lifted = current
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            current = nil
            return lifted
        }
    }
}
