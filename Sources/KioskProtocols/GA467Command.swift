/// A host → reader request: `CMD PARA DATA…` inside a GA 467 frame (docs/device-protocols.md §1.3, §1.4).
public struct GA467Request: Sendable, Hashable {
    public var command: UInt8
    public var parameter: UInt8
    public var data: [UInt8]

    public init(command: UInt8, parameter: UInt8, data: [UInt8] = []) {
        self.command = command
        self.parameter = parameter
        self.data = data
    }

    /// The complete frame on the wire.
    public var bytes: [UInt8] { GA467Frame.encode(payload: [command, parameter] + data) }

    /// Reads a request from a decoded frame payload; nil when it is shorter than CMD + PARA.
    public init?(payload: [UInt8]) {
        guard payload.count >= 2 else { return nil }
        self.init(command: payload[0], parameter: payload[1], data: Array(payload.dropFirst(2)))
    }
}

/// The commands of docs/device-protocols.md §1.4, by their standard's names.
public enum GA467Command: Sendable, Hashable, CustomStringConvertible {
    /// 复位 — reset the SAM (`10 FF`).
    case reset
    /// 状态检测 — SAM status check (`11 FF`).
    case samStatus
    /// 读 SAM 管理信息 — read the SAM ID (`12 FF`).
    case samID
    /// 寻找证/卡 — find card (`20 01`).
    case findCard
    /// 选取证/卡 — select card (`20 02`).
    case selectCard
    /// 读固定信息 — read base info: text + photo (`30 01`).
    case readBaseInfo
    /// Read base info with fingerprint (`30 10`).
    case readBaseInfoWithFingerprint
    /// 读最新追加住址 — read the latest appended address (`30 03`).
    case readAppendedAddress
    /// `30 05`, meaning unclear (card management number?); single source, kept for diagnostics only.
    case readManagementNumber
    /// Set the UART rate (`60 00`…`60 04`); single source, never sent by the driver on its own.
    case setBaudRate(Int)
    /// "Set max RF byte" (`61 FF` + one data byte); single source.
    case setMaxRFBytes(UInt8)

    /// Baud rates in PARA order for `60 xx`.
    public static let baudRates = [115200, 57600, 38400, 19200, 9600]

    /// The request for this command; nil only for a baud rate the reader does not support.
    public var request: GA467Request? {
        switch self {
        case .reset: GA467Request(command: 0x10, parameter: 0xFF)
        case .samStatus: GA467Request(command: 0x11, parameter: 0xFF)
        case .samID: GA467Request(command: 0x12, parameter: 0xFF)
        case .findCard: GA467Request(command: 0x20, parameter: 0x01)
        case .selectCard: GA467Request(command: 0x20, parameter: 0x02)
        case .readBaseInfo: GA467Request(command: 0x30, parameter: 0x01)
        case .readBaseInfoWithFingerprint: GA467Request(command: 0x30, parameter: 0x10)
        case .readAppendedAddress: GA467Request(command: 0x30, parameter: 0x03)
        case .readManagementNumber: GA467Request(command: 0x30, parameter: 0x05)
        case .setBaudRate(let rate):
            GA467Command.baudRates.firstIndex(of: rate).map { GA467Request(command: 0x60, parameter: UInt8($0)) }
        case .setMaxRFBytes(let value): GA467Request(command: 0x61, parameter: 0xFF, data: [value])
        }
    }

    /// The frame on the wire; empty for an unsupported baud rate.
    public var bytes: [UInt8] { request?.bytes ?? [] }

    /// Recognises a request (used by the simulator); nil for commands docs/device-protocols.md §1.4 does not list.
    public init?(_ request: GA467Request) {
        switch (request.command, request.parameter, request.data.count) {
        case (0x10, 0xFF, 0): self = .reset
        case (0x11, 0xFF, 0): self = .samStatus
        case (0x12, 0xFF, 0): self = .samID
        case (0x20, 0x01, 0): self = .findCard
        case (0x20, 0x02, 0): self = .selectCard
        case (0x30, 0x01, 0): self = .readBaseInfo
        case (0x30, 0x10, 0): self = .readBaseInfoWithFingerprint
        case (0x30, 0x03, 0): self = .readAppendedAddress
        case (0x30, 0x05, 0): self = .readManagementNumber
        case (0x60, let p, 0) where Int(p) < GA467Command.baudRates.count:
            self = .setBaudRate(GA467Command.baudRates[Int(p)])
        case (0x61, 0xFF, 1): self = .setMaxRFBytes(request.data[0])
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .reset: "reset (10 FF)"
        case .samStatus: "SAM status (11 FF)"
        case .samID: "SAM ID (12 FF)"
        case .findCard: "find card (20 01)"
        case .selectCard: "select card (20 02)"
        case .readBaseInfo: "read base info (30 01)"
        case .readBaseInfoWithFingerprint: "read base info with fingerprint (30 10)"
        case .readAppendedAddress: "read appended address (30 03)"
        case .readManagementNumber: "read management number (30 05)"
        case .setBaudRate(let rate): "set baud rate \(rate) (60 xx)"
        case .setMaxRFBytes(let value): "set max RF bytes \(value) (61 FF)"
        }
    }
}
