/// SW3, the reader/SAM status byte of every reply (docs/device-protocols.md §1.5). Unknown values pass through as
/// `.other`.
public enum GA467Status: Sendable, Hashable, CustomStringConvertible {
    /// 0x90 操作成功.
    case success
    /// 0x91 证/卡中此项无内容 — the item is absent on the card (no fingerprint, no appended address). Not an error.
    case itemAbsent
    /// 0x9F 寻找证/卡成功 — find card succeeded.
    case cardFound
    /// 0x10 接收业务终端数据的校验和错 — the reader saw a wrong CHK from the host.
    case checksumError
    /// 0x11 接收业务终端数据的长度错 — the reader saw a wrong LEN from the host.
    case lengthError
    /// 0x21 接收业务终端的命令错误 — wrong command or parameters.
    case commandError
    /// 0x23 越权操作 — operation not permitted.
    case unauthorisedOperation
    /// 0x24 无法识别的错误 — unrecognised error.
    case unrecognisedError
    /// 0x31 证/卡认证 SAM 失败 — the card failed to authenticate the SAM.
    case cardAuthenticationOfSAMFailed
    /// 0x32 SAM 认证证/卡失败 — the SAM failed to authenticate the card.
    case samAuthenticationOfCardFailed
    /// 0x33 信息验证错误 — information verification failed.
    case verificationFailed
    /// 0x40 无法识别的卡类型 — unrecognised card type.
    case unrecognisedCardType
    /// 0x41 读证/卡操作失败 — reading the card failed.
    case readFailed
    /// 0x47 取随机数失败 — getting a random number failed.
    case randomNumberFailed
    /// 0x60 SAM 自检失败，不能接收命令 — SAM self-test failed; it accepts no commands.
    case samSelfTestFailed
    /// 0x66 SAM 未经授权，无法使用 — SAM not authorised.
    case samUnauthorised
    /// 0x80 寻找证/卡失败 — no card (also: the card already read and not yet lifted).
    case noCard
    /// 0x81 选取证/卡失败 — select card failed.
    case selectFailed
    /// 0xFF 通信故障 — communication failure (one source; probably host-side).
    case communicationFailure
    /// Any other SW3 value.
    case other(UInt8)

    public init(code: UInt8) {
        switch code {
        case 0x90: self = .success
        case 0x91: self = .itemAbsent
        case 0x9F: self = .cardFound
        case 0x10: self = .checksumError
        case 0x11: self = .lengthError
        case 0x21: self = .commandError
        case 0x23: self = .unauthorisedOperation
        case 0x24: self = .unrecognisedError
        case 0x31: self = .cardAuthenticationOfSAMFailed
        case 0x32: self = .samAuthenticationOfCardFailed
        case 0x33: self = .verificationFailed
        case 0x40: self = .unrecognisedCardType
        case 0x41: self = .readFailed
        case 0x47: self = .randomNumberFailed
        case 0x60: self = .samSelfTestFailed
        case 0x66: self = .samUnauthorised
        case 0x80: self = .noCard
        case 0x81: self = .selectFailed
        case 0xFF: self = .communicationFailure
        default: self = .other(code)
        }
    }

    public var code: UInt8 {
        switch self {
        case .success: 0x90
        case .itemAbsent: 0x91
        case .cardFound: 0x9F
        case .checksumError: 0x10
        case .lengthError: 0x11
        case .commandError: 0x21
        case .unauthorisedOperation: 0x23
        case .unrecognisedError: 0x24
        case .cardAuthenticationOfSAMFailed: 0x31
        case .samAuthenticationOfCardFailed: 0x32
        case .verificationFailed: 0x33
        case .unrecognisedCardType: 0x40
        case .readFailed: 0x41
        case .randomNumberFailed: 0x47
        case .samSelfTestFailed: 0x60
        case .samUnauthorised: 0x66
        case .noCard: 0x80
        case .selectFailed: 0x81
        case .communicationFailure: 0xFF
        case .other(let code): code
        }
    }

    /// Every status docs/device-protocols.md §1.5 lists (not `.other`).
    public static let known: [GA467Status] = [
        .success, .itemAbsent, .cardFound, .checksumError, .lengthError, .commandError, .unauthorisedOperation,
        .unrecognisedError, .cardAuthenticationOfSAMFailed, .samAuthenticationOfCardFailed, .verificationFailed,
        .unrecognisedCardType, .readFailed, .randomNumberFailed, .samSelfTestFailed, .samUnauthorised, .noCard,
        .selectFailed, .communicationFailure,
    ]

    /// 0x90, 0x91 and 0x9F: the command did what it was asked.
    public var isSuccess: Bool {
        switch self {
        case .success, .itemAbsent, .cardFound: true
        default: false
        }
    }

    /// A fault of the reader itself (not of the card or the host's last frame): becomes a health reason.
    public var isReaderFault: Bool {
        switch self {
        case .samSelfTestFailed, .samUnauthorised, .unauthorisedOperation: true
        default: false
        }
    }

    /// A stable kebab-case code for logs and health reasons.
    public var reasonCode: String {
        switch self {
        case .success: "success"
        case .itemAbsent: "item-absent"
        case .cardFound: "card-found"
        case .checksumError: "host-checksum-error"
        case .lengthError: "host-length-error"
        case .commandError: "command-error"
        case .unauthorisedOperation: "sam-unauthorised-operation"
        case .unrecognisedError: "unrecognised-error"
        case .cardAuthenticationOfSAMFailed: "card-authentication-of-sam-failed"
        case .samAuthenticationOfCardFailed: "sam-authentication-of-card-failed"
        case .verificationFailed: "card-verification-failed"
        case .unrecognisedCardType: "unrecognised-card-type"
        case .readFailed: "card-read-failed"
        case .randomNumberFailed: "random-number-failed"
        case .samSelfTestFailed: "sam-selftest-failed"
        case .samUnauthorised: "sam-unauthorised"
        case .noCard: "no-card"
        case .selectFailed: "card-select-failed"
        case .communicationFailure: "communication-failure"
        case .other(let code): "sw3-0x" + hexByte(code)
        }
    }

    /// The meaning in the standard's words and in English.
    public var meaning: String {
        switch self {
        case .success: "操作成功 / success"
        case .itemAbsent: "证/卡中此项无内容 / the item is absent on the card"
        case .cardFound: "寻找证/卡成功 / card found"
        case .checksumError: "接收业务终端数据的校验和错 / the reader received a frame with a wrong checksum"
        case .lengthError: "接收业务终端数据的长度错 / the reader received a frame with a wrong length"
        case .commandError: "接收业务终端的命令错误 / the reader rejected the command or its parameters"
        case .unauthorisedOperation: "越权操作 / operation not permitted"
        case .unrecognisedError: "无法识别的错误 / unrecognised error"
        case .cardAuthenticationOfSAMFailed: "证/卡认证 SAM 失败 / the card failed to authenticate the SAM"
        case .samAuthenticationOfCardFailed: "SAM 认证证/卡失败 / the SAM failed to authenticate the card"
        case .verificationFailed: "信息验证错误 / information verification failed"
        case .unrecognisedCardType: "无法识别的卡类型 / unrecognised card type"
        case .readFailed: "读证/卡操作失败 / reading the card failed"
        case .randomNumberFailed: "取随机数失败 / getting a random number failed"
        case .samSelfTestFailed: "SAM 自检失败，不能接收命令 / the SAM failed its self-test and accepts no commands"
        case .samUnauthorised: "SAM 未经授权，无法使用 / the SAM is not authorised"
        case .noCard: "寻找证/卡失败 / no card found"
        case .selectFailed: "选取证/卡失败 / selecting the card failed"
        case .communicationFailure: "通信故障 / communication failure"
        case .other(let code): "unknown status 0x\(hexByte(code))"
        }
    }

    public var description: String { "SW3 0x\(hexByte(code)) (\(meaning))" }
}

/// Two uppercase hex digits.
func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}
