import Foundation

/// The in-flight session as last saved: an opaque JSON blob the daemon resumes or hands off from after a crash. The
/// daemon guarantees the blob holds no photo; `description` never shows it, since it holds personal data.
public struct SessionCheckpoint: Sendable, Hashable, CustomStringConvertible {
    public let sessionID: String
    public let state: Data
    public let savedAt: Date

    public init(sessionID: String, state: Data, savedAt: Date) {
        self.sessionID = sessionID
        self.state = state
        self.savedAt = savedAt
    }

    public var description: String { "SessionCheckpoint(\(sessionID), \(state.count) bytes, saved \(savedAt))" }
}
