/// A status reply that does not have the shape its command promises.
public enum ESCPOSStatusError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A `DLE EOT` reply must match `0xx1xx10` (§2.5).
    case notRealTimeStatus(UInt8)
    /// ASB is four bytes: `0xx1xx00` then three `0xx0xxxx` (§2.6).
    case notAutomaticStatusBack([UInt8])
    /// Custom FULL status is six bytes starting `10 0F` (§2.7).
    case notCustomFullStatus([UInt8])

    public var description: String {
        switch self {
        case .notRealTimeStatus(let b): "byte \(hex([b])) is not a DLE EOT status reply (fixed bits 0xx1xx10)"
        case .notAutomaticStatusBack(let bytes): "bytes \(hex(bytes)) are not an automatic status back block"
        case .notCustomFullStatus(let bytes): "bytes \(hex(bytes)) are not a Custom FULL status reply (10 0F P U R E)"
        }
    }
}

private func hex(_ bytes: [UInt8]) -> String {
    bytes.map { b in
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(b >> 4)], digits[Int(b & 0x0F)]])
    }.joined(separator: " ")
}

/// Decodes the status replies of ESC/POS printers and Custom-family presenters into `PrinterCondition`s
/// (docs/device-protocols.md §2.5–2.7). Pure; every input byte pattern is either decoded or rejected with a reason.
public enum ESCPOSStatusDecoder {
    /// Whether `byte` can be a `DLE EOT` reply: bit0 = 0, bit1 = 1, bit4 = 1, bit7 = 0 (§5.2).
    public static func isRealTimeStatus(_ byte: UInt8) -> Bool { byte & 0x93 == 0x12 }

    /// One `DLE EOT n` reply byte.
    public static func realTimeStatus(_ request: ESCPOSRealTimeStatusRequest, _ byte: UInt8) throws(ESCPOSStatusError)
        -> Set<PrinterCondition>
    {
        guard isRealTimeStatus(byte) else { throw .notRealTimeStatus(byte) }
        var found: Set<PrinterCondition> = []
        func bit(_ n: UInt8) -> Bool { byte & (1 << n) != 0 }
        switch request {
        case .printer:
            if bit(3) { found.insert(.offline) }
            if bit(5) { found.insert(.waitingForOnlineRecovery) }
            if bit(6) { found.insert(.feeding) }
        case .offlineCause:
            if bit(2) { found.insert(.coverOpen) }
            if bit(3) { found.insert(.feeding) }
            if bit(5) { found.insert(.paperEnd) }
            if bit(6) { found.insert(.errorOccurred) }
        case .errorCause:
            if bit(2) { found.insert(.mechanicalError) }
            if bit(3) { found.insert(.cutterError) }
            if bit(5) { found.insert(.unrecoverableError) }
            if bit(6) { found.insert(.recoverableError) }
        case .rollPaper:
            if byte & 0x0C != 0 { found.insert(.paperNearEnd) }
            if byte & 0x60 != 0 { found.insert(.paperEnd) }
        }
        return found
    }

    /// The four bytes of an automatic status back block (`GS a`, §2.6).
    public static func automaticStatusBack(_ bytes: [UInt8]) throws(ESCPOSStatusError) -> Set<PrinterCondition> {
        guard bytes.count == 4, bytes[0] & 0x93 == 0x10, bytes[1...].allSatisfy({ $0 & 0x90 == 0 }) else {
            throw .notAutomaticStatusBack(Array(bytes.prefix(8)))
        }
        var found: Set<PrinterCondition> = []
        let first = bytes[0], second = bytes[1], third = bytes[2]
        if first & 0x08 != 0 { found.insert(.offline) }
        if first & 0x20 != 0 { found.insert(.coverOpen) }
        if first & 0x40 != 0 { found.insert(.feeding) }
        if second & 0x04 != 0 { found.insert(.mechanicalError) }
        if second & 0x08 != 0 { found.insert(.cutterError) }
        if second & 0x20 != 0 { found.insert(.unrecoverableError) }
        if second & 0x40 != 0 { found.insert(.recoverableError) }
        if third & 0x03 != 0 { found.insert(.paperNearEnd) }
        if third & 0x0C != 0 { found.insert(.paperEnd) }
        return found
    }

    /// The ejector status byte of `GS e 6` (KPM210 / Reliance, §2.7). Any byte is a valid reply.
    public static func ejectorStatus(_ byte: UInt8) -> Set<PrinterCondition> {
        var found: Set<PrinterCondition> = []
        if byte & 0x01 != 0 { found.insert(.paperNearEnd) }
        if byte & 0x08 != 0 { found.insert(.ticketAtExit) }
        if byte & 0x40 != 0 { found.insert(.errorOccurred) }
        if byte & 0x80 != 0 { found.insert(.paperJam) }
        return found
    }

    /// The six bytes `10 0F P U R E` of Custom FULL status (`DLE EOT 20`, §2.7).
    public static func customFullStatus(_ bytes: [UInt8]) throws(ESCPOSStatusError) -> Set<PrinterCondition> {
        guard bytes.count == 6, bytes[0] == 0x10, bytes[1] == 0x0F else {
            throw .notCustomFullStatus(Array(bytes.prefix(8)))
        }
        let paper = bytes[2], user = bytes[3], recoverable = bytes[4], unrecoverable = bytes[5]
        var found: Set<PrinterCondition> = []
        if paper & 0x01 != 0 { found.insert(.paperEnd) }
        if paper & 0x04 != 0 { found.insert(.paperNearEnd) }
        if paper & 0x20 != 0 { found.insert(.ticketAtExit) }
        // bit6 "virtual paper end": the configured reserve is reached; paper is still there.
        if paper & 0x40 != 0 { found.insert(.paperNearEnd) }
        if user & 0x01 != 0 { found.insert(.headUp) }
        if user & 0x02 != 0 { found.insert(.coverOpen) }
        if recoverable & 0xAB != 0 { found.insert(.recoverableError) }
        if unrecoverable & 0x01 != 0 { found.insert(.cutterError) }
        if unrecoverable & 0x02 != 0 { found.insert(.coverOpen) }
        if unrecoverable & 0x0C != 0 { found.insert(.unrecoverableError) }
        return found
    }
}
