import KioskIO
import KioskProtocols

/// Why the reader could not do what it was asked. Descriptions name the command and the reader, never card content.
public enum IDCardReaderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No reply to `command` before its deadline.
    case timedOut(command: String)
    /// The reader is gone (cable pulled, port missing).
    case disconnected(String)
    /// The port could not be opened or used for another reason.
    case transport(String)
    /// The reader answered `command` with a non-success SW3.
    case status(GA467Status, command: String)
    /// The reply did not have the expected shape.
    case malformedReply(GA467Error)
    /// The card's text block could not be decoded.
    case undecodableCard(GA467TextBlockError)
    /// The reader loop was stopped while the call waited.
    case stopped

    init(_ error: TransportError, command: GA467Command) {
        switch error {
        case .timedOut: self = .timedOut(command: command.description)
        case .disconnected(let what): self = .disconnected(what)
        case .closed: self = .stopped
        case .system(let system): self = .transport(system.description)
        }
    }

    /// Maps whatever opening a transport threw.
    init(openFailure error: any Error) {
        switch error {
        case let error as TransportError: self.init(error, command: .samStatus)
        case let error as SystemError: self = .transport(error.description)
        default: self = .transport("\(error)")
        }
    }

    /// A stable kebab-case code for events, health and logs.
    public var reasonCode: String {
        switch self {
        case .timedOut: "reader-timeout"
        case .disconnected: "disconnected"
        case .transport: "reader-io-error"
        case .status(let status, _): status.reasonCode
        case .malformedReply: "malformed-reply"
        case .undecodableCard(.unsupportedCardType): "unsupported-card-type"
        case .undecodableCard: "undecodable-card"
        case .stopped: "reader-stopped"
        }
    }

    public var description: String {
        switch self {
        case .timedOut(let command):
            "the ID-card reader did not answer \(command) in time; check its cable and power, and the --baud setting"
        case .disconnected(let what): "the ID-card reader disconnected (\(what)); reconnect it"
        case .transport(let what): "the ID-card reader's port failed: \(what)"
        case .status(let status, let command): "the ID-card reader answered \(command) with \(status)"
        case .malformedReply(let error): "the ID-card reader sent a malformed reply: \(error)"
        case .undecodableCard(let error): "the card could not be decoded: \(error)"
        case .stopped: "the ID-card reader was stopped"
        }
    }
}
