import Foundation

/// Who did what at the terminal: technician and staff actions, reprints. Callers keep personal data out of `detail`.
public struct AuditEntry: Sendable, Hashable, Codable {
    public let id: Int64
    public let at: Date
    public let actor: String
    public let action: String
    public let detail: String

    public init(id: Int64, at: Date, actor: String, action: String, detail: String) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.detail = detail
    }
}
