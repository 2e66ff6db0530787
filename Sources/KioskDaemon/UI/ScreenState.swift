import Foundation
import KioskCore

/// Everything the touch screen shows (`GET /ui/v1/state`, docs/ui-api.md). Never a full ID number; the citizen's
/// name only while it is their session on screen. Every key is always written (`null` when absent), so the page
/// never has to tell a missing key from an empty one.
struct ScreenState: Sendable, Hashable, Encodable {
    enum Screen: String, Sendable, Hashable, Encodable, CaseIterable {
        case welcome, placeCard, confirmIdentity, captureFace, verifyingFace, form, signature, declaration
        case approving, printing, rating, pleaseWait, done, handOff, cancelled, outOfService
    }

    /// The face comparison (身份证比对 with the camera): set in its two steps only.
    struct Face: Sendable, Hashable, Encodable {
        /// Attempts left after a comparison that did not match; nil before the first mismatch.
        var attemptsLeft: Int?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(attemptsLeft, forKey: .attemptsLeft)
        }
        private enum CodingKeys: String, CodingKey { case attemptsLeft }
    }

    struct Identity: Sendable, Hashable, Encodable {
        var name: String
        var maskedIDNumber: String
        var cardType: String
    }

    struct Card: Sendable, Hashable, Encodable {
        var attemptsLeft: Int
        var lastError: String?
        var presentAgain: Bool

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(attemptsLeft, forKey: .attemptsLeft)
            try c.encode(lastError, forKey: .lastError)
            try c.encode(presentAgain, forKey: .presentAgain)
        }
        private enum CodingKeys: String, CodingKey { case attemptsLeft, lastError, presentAgain }
    }

    struct ApplicationRejected: Sendable, Hashable, Encodable {
        var reasons: [String]
        var attemptsLeft: Int
    }

    struct Progress: Sendable, Hashable, Encodable {
        enum Licence: String, Sendable, Hashable, Encodable { case pending, printing, printed, problem }
        enum Receipt: String, Sendable, Hashable, Encodable { case pending, printing, printed, failed }
        var licence: Licence
        var receipt: Receipt
    }

    struct HandOff: Sendable, Hashable, Encodable {
        var reason: String
        var window: String
        var ticket: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(reason, forKey: .reason)
            try c.encode(window, forKey: .window)
            try c.encode(ticket, forKey: .ticket)
        }
        private enum CodingKeys: String, CodingKey { case reason, window, ticket }
    }

    struct Rating: Sendable, Hashable, Encodable {
        var asked: Bool
        var given: Int?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(asked, forKey: .asked)
            try c.encode(given, forKey: .given)
        }
        private enum CodingKeys: String, CodingKey { case asked, given }
    }

    struct StaffCall: Sendable, Hashable, Encodable {
        enum By: String, Sendable, Hashable, Encodable { case citizen, flow }
        var since: String
        var by: By
        var reason: String

        init(_ call: KioskCore.StaffCall) {
            since = ScreenState.timestamp(call.since)
            by = call.by == .citizen ? .citizen : .flow
            reason = call.reason
        }
    }

    struct OutOfService: Sendable, Hashable, Encodable {
        var reasons: [String]
        var message: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(reasons, forKey: .reasons)
            try c.encode(message, forKey: .message)
        }
        private enum CodingKeys: String, CodingKey { case reasons, message }
    }

    struct Done: Sendable, Hashable, Encodable {
        var transactionID: String
        var enterpriseName: String?
        var creditCode: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(transactionID, forKey: .transactionID)
            try c.encode(enterpriseName, forKey: .enterpriseName)
            try c.encode(creditCode, forKey: .creditCode)
        }
        private enum CodingKeys: String, CodingKey { case transactionID, enterpriseName, creditCode }
    }

    var version = 0
    var screen: Screen
    var step: FlowStepName
    var transactionID: String?
    var elderly: Bool
    /// When the current citizen step times out; nil in steps without a citizen timeout.
    var deadline: Date?
    /// Whole seconds to `deadline`, filled in when the state is sent (`at(_:)`): the version does not change with it.
    var secondsLeft: Int?
    var warning: Bool
    var identity: Identity?
    var card: Card
    var face: Face?
    var formIssues: [UIIssue]
    var applicationRejected: ApplicationRejected?
    var signed: Bool
    var progress: Progress
    var handOff: HandOff?
    var rating: Rating
    var staffCall: StaffCall?
    var outOfService: OutOfService?
    var done: Done?
    var notice: UINotice?

    /// The state as sent at `now`: `secondsLeft` counted down to the deadline.
    func at(_ now: Date) -> ScreenState {
        var copy = self
        copy.secondsLeft = deadline.map { max(0, Int(($0.timeIntervalSince(now)).rounded(.up))) }
        return copy
    }

    /// Equal but for the version and the countdown: a change worth a new version.
    func sameScreen(as other: ScreenState) -> Bool {
        var a = self
        var b = other
        a.version = 0
        b.version = 0
        a.secondsLeft = nil
        b.secondsLeft = nil
        return a == b
    }

    /// One line of JSON (what the API and the stream send).
    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(ScreenState.timestamp(date))
        }
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// RFC 3339 in UTC with milliseconds, as the page's `Date.parse` reads it.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    private enum CodingKeys: String, CodingKey {
        case version, screen, step, transactionID, elderly, deadline, secondsLeft, warning, identity, card, face
        case formIssues, applicationRejected, signed, progress, handOff, rating, staffCall, outOfService, done, notice
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(screen, forKey: .screen)
        try c.encode(step, forKey: .step)
        try c.encode(transactionID, forKey: .transactionID)
        try c.encode(elderly, forKey: .elderly)
        try c.encode(deadline, forKey: .deadline)
        try c.encode(secondsLeft, forKey: .secondsLeft)
        try c.encode(warning, forKey: .warning)
        try c.encode(identity, forKey: .identity)
        try c.encode(card, forKey: .card)
        try c.encode(face, forKey: .face)
        try c.encode(formIssues, forKey: .formIssues)
        try c.encode(applicationRejected, forKey: .applicationRejected)
        try c.encode(signed, forKey: .signed)
        try c.encode(progress, forKey: .progress)
        try c.encode(handOff, forKey: .handOff)
        try c.encode(rating, forKey: .rating)
        try c.encode(staffCall, forKey: .staffCall)
        try c.encode(outOfService, forKey: .outOfService)
        try c.encode(done, forKey: .done)
        try c.encode(notice, forKey: .notice)
    }
}

/// A transient event worth a banner (`event: notice` on the stream, and the state's `notice`). Codes only.
struct UINotice: Sendable, Hashable, Encodable {
    enum Kind: String, Sendable, Hashable, Encodable {
        case cardDetected, cardRead, cardError, printProgress, deviceProblem, deviceRecovered, staffCalled
        case staffAction, timeoutWarning, receiptFailed
    }
    var kind: Kind
    var reason: String?
    var what: String?
    var status: String?
    var role: String?
    var action: String?
    var secondsLeft: Int?

    init(
        _ kind: Kind, reason: String? = nil, what: String? = nil, status: String? = nil, role: String? = nil,
        action: String? = nil, secondsLeft: Int? = nil
    ) {
        self.kind = kind
        self.reason = reason
        self.what = what
        self.status = status
        self.role = role
        self.action = action
        self.secondsLeft = secondsLeft
    }

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
