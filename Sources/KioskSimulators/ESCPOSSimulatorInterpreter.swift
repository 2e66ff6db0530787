import Foundation
import KioskProtocols

/// The state machine of a simulated ESC/POS printer: consumes the byte stream, keeps what was printed, and returns
/// the bytes the printer answers (status replies). No I/O; `ESCPOSPrinterSimulator` feeds it.
struct ESCPOSSimulatorInterpreter {
    var faults: Set<ESCPOSSimulatorFault> = []
    var responding = true
    let hasPresenter: Bool
    var ticketTaking: ESCPOSTicketTaking
    /// Chinese printers power up in Chinese mode (docs/device-protocols.md §2.2).
    var chineseMode = true
    var documents: [ESCPOSSimulatorDocument] = []
    var current = ESCPOSSimulatorDocument()
    var ticketAtExit = false
    var presenterEvents: [ESCPOSPresenterEvent] = []
    var statusRequests = 0
    var droppedBytes = 0
    var unknownCommands = 0
    /// Counts down printed lines; at zero the paper runs out (a fault in the middle of a job).
    var linesUntilPaperEnd: Int?

    private var pending: [UInt8] = []
    private var lineBytes: [UInt8] = []
    private var storedQR: [UInt8]?
    /// Presenter status requests answered while the current ticket is in the exit.
    private(set) var pollsWhilePresented = 0
    /// Unparsed input kept while waiting for the rest of a command; more than this is garbage.
    static let pendingLimit = 70_000

    init(hasPresenter: Bool, ticketTaking: ESCPOSTicketTaking) {
        self.hasPresenter = hasPresenter
        self.ticketTaking = ticketTaking
    }

    var canPrint: Bool { !faults.contains(where: \.stopsPrinting) }

    /// Feeds bytes; returns the reply bytes.
    mutating func consume(_ input: [UInt8]) -> [UInt8] {
        pending += input
        var replies: [UInt8] = []
        var i = 0
        while i < pending.count {
            guard let used = step(at: i, replies: &replies) else { break }
            i += used
        }
        pending.removeFirst(i)
        if pending.count > ESCPOSSimulatorInterpreter.pendingLimit {
            droppedBytes += pending.count
            pending.removeAll()
        }
        return responding ? replies : []
    }

    mutating func takeTicket() -> Bool {
        guard ticketAtExit else { return false }
        ticketAtExit = false
        presenterEvents.append(.taken)
        return true
    }

    /// Handles the command at `i`; returns its length, or nil when it is not complete yet.
    private mutating func step(at i: Int, replies: inout [UInt8]) -> Int? {
        let available = pending.count - i
        let buffer = pending  // shares storage; lets `byte` read without capturing self
        let byte = { (k: Int) -> UInt8 in buffer[i + k] }
        let b = byte(0)
        switch b {
        case 0x0A:
            printed(1) { $0.flushLine() }
            return 1
        case 0x10:
            guard available >= 2 else { return nil }
            guard byte(1) == 0x04 else { unknownCommands += 1; return 2 }
            guard available >= 3 else { return nil }
            replies += statusReply(byte(2))
            return 3
        case 0x1B:
            guard available >= 2 else { return nil }
            return escape(byte(1), available: available, byte: byte)
        case 0x1C:
            guard available >= 2 else { return nil }
            switch byte(1) {
            case 0x26: chineseMode = true; return 2
            case 0x2E: chineseMode = false; return 2
            case 0x21, 0x57, 0x2D: return available >= 3 ? 3 : nil
            default: return 2
            }
        case 0x1D:
            guard available >= 2 else { return nil }
            return groupSeparator(byte(1), available: available, byte: byte, replies: &replies)
        case 0x00..<0x20, 0x7F:
            return 1
        case 0x80...0xFF where chineseMode:
            guard available >= 2 else { return nil }
            let length = (0x30...0x39).contains(byte(1)) ? 4 : 2
            guard available >= length else { return nil }
            let bytes = Array(pending[i..<(i + length)])
            printed(length) { $0.lineBytes += bytes }
            return length
        default:
            printed(1) { $0.lineBytes.append(b) }
            return 1
        }
    }

    private mutating func escape(_ command: UInt8, available: Int, byte: (Int) -> UInt8) -> Int? {
        switch command {
        case 0x40: return 2  // ESC @: modes reset; the line buffer is cleared
        case 0x45, 0x2D, 0x61, 0x21, 0x4D, 0x74, 0x4A, 0x20, 0x33, 0x7B, 0x56, 0x47, 0x0C:
            return available >= 3 ? 3 : nil
        case 0x64:
            guard available >= 3 else { return nil }
            let lines = Int(byte(2))
            printed(3) { machine in
                let hadText = !machine.lineBytes.isEmpty
                machine.flushLine()
                for _ in 0..<max(0, lines - (hadText ? 1 : 0)) { machine.current.items.append(.line("")) }
            }
            return 3
        case 0x32: return 2
        case 0x70: return available >= 5 ? 5 : nil
        default:
            unknownCommands += 1
            return 2
        }
    }

    private mutating func groupSeparator(
        _ command: UInt8, available: Int, byte: (Int) -> UInt8,
        replies: inout [UInt8]
    ) -> Int? {
        switch command {
        case 0x21, 0x42, 0x68, 0x77, 0x48, 0x66:
            return available >= 3 ? 3 : nil
        case 0x61:
            guard available >= 3 else { return nil }
            if byte(2) != 0 { replies += automaticStatusBlock() }
            return 3
        case 0x56:
            guard available >= 3 else { return nil }
            let m = byte(2)
            let length = (m == 0x41 || m == 0x42) ? 4 : 3
            guard available >= length else { return nil }
            let kind: ESCPOSSimulatorDocument.Cut = (m == 0x00 || m == 0x30 || m == 0x41) ? .full : .partial
            printed(length) { $0.finishDocument(cut: kind) }
            return length
        case 0x6B:
            guard available >= 3 else { return nil }
            let m = byte(2)
            if m <= 6 {
                // Function A: NUL-terminated.
                var end = 3
                while end < available, byte(end) != 0 {
                    end += 1
                    if end > 260 { return end }
                }
                guard end < available else { return nil }
                let data = (3..<end).map(byte)
                printed(end + 1) { $0.current.items.append(.barcode(String(decoding: data, as: UTF8.self))) }
                return end + 1
            }
            guard available >= 4 else { return nil }
            let n = Int(byte(3))
            guard available >= 4 + n else { return nil }
            var data = (4..<(4 + n)).map(byte)
            if m == 73, data.count >= 2, data[0] == 0x7B { data.removeFirst(2) }
            printed(4 + n) { $0.current.items.append(.barcode(String(decoding: data, as: UTF8.self))) }
            return 4 + n
        case 0x28:
            guard available >= 5 else { return nil }
            let length = 5 + Int(byte(3)) + 256 * Int(byte(4))
            guard available >= length else { return nil }
            if byte(2) == 0x6B, length >= 7, byte(5) == 0x31 {
                switch byte(6) {
                case 0x50: storedQR = (8..<length).map(byte)
                case 0x51:
                    if let stored = storedQR {
                        printed(length) { $0.current.items.append(.qrCode(String(decoding: stored, as: UTF8.self))) }
                    }
                default: break
                }
            }
            return length
        case 0x65:
            guard available >= 3 else { return nil }
            switch byte(2) {
            case 0x02:
                if hasPresenter && ticketAtExit {
                    ticketAtExit = false
                    presenterEvents.append(.retracted)
                }
                return 3
            case 0x03:
                guard available >= 4 else { return nil }
                if hasPresenter { printed(4) { $0.present() } }
                return 4
            case 0x05:
                if hasPresenter && ticketAtExit {
                    ticketAtExit = false
                    presenterEvents.append(.ejected)
                }
                return 3
            case 0x06:
                if hasPresenter { replies.append(ejectorStatusByte()) }
                return 3
            case 0x20: return available >= 5 ? 5 : nil
            default: return 3
            }
        case 0x52:
            guard available >= 3 else { return nil }
            if byte(2) == 0x31 { return available >= 4 ? 4 : nil }
            return 3
        case 0x4C, 0x57: return available >= 4 ? 4 : nil
        default:
            unknownCommands += 1
            return 2
        }
    }

    /// Runs `action` if the printer can print; otherwise the bytes are lost, as on a stopped printer.
    private mutating func printed(_ count: Int, _ action: (inout ESCPOSSimulatorInterpreter) -> Void) {
        if canPrint { action(&self) } else { droppedBytes += count }
    }

    private mutating func flushLine() {
        let text: String
        if chineseMode {
            text =
                String(data: Data(lineBytes), encoding: ESCPOSText.gb18030)
                ?? String(decoding: lineBytes.map { $0 < 0x80 ? $0 : 0x3F }, as: UTF8.self)
        } else {
            text = String(decoding: lineBytes.map { $0 < 0x80 ? $0 : 0x3F }, as: UTF8.self)
        }
        lineBytes.removeAll()
        current.items.append(.line(text))
        if let left = linesUntilPaperEnd {
            if left <= 1 {
                linesUntilPaperEnd = nil
                faults.insert(.paperEnd)
            } else {
                linesUntilPaperEnd = left - 1
            }
        }
    }

    private mutating func finishDocument(cut: ESCPOSSimulatorDocument.Cut) {
        if !lineBytes.isEmpty { flushLine() }
        if faults.contains(.cutterError) {
            // The cutter is jammed: paper is not cut; the document stays open.
            return
        }
        current.cut = cut
        documents.append(current)
        current = ESCPOSSimulatorDocument()
    }

    private mutating func present() {
        if !lineBytes.isEmpty { flushLine() }
        if !current.isEmpty {
            documents.append(current)
            current = ESCPOSSimulatorDocument()
        }
        ticketAtExit = true
        pollsWhilePresented = 0
        presenterEvents.append(.presented)
    }

    /// Counts a presenter status request (`GS e 6`, `DLE EOT 20`) and lets the scripted citizen take the ticket
    /// when it is time.
    private mutating func countPresenterPoll() {
        guard ticketAtExit else { return }
        pollsWhilePresented += 1
        if case .afterStatusPolls(let polls) = ticketTaking, pollsWhilePresented > polls { _ = takeTicket() }
    }

    private mutating func statusReply(_ n: UInt8) -> [UInt8] {
        statusRequests += 1
        if n == 0x14 { countPresenterPoll() }
        let offline = !canPrint || faults.contains(.offline)
        let error = faults.contains(.cutterError) || faults.contains(.unrecoverableError) || faults.contains(.paperJam)
        switch n {
        case 1: return [0x12 | (offline ? 0x08 : 0)]
        case 2:
            var b: UInt8 = 0x12
            if faults.contains(.coverOpen) { b |= 0x04 }
            if faults.contains(.paperEnd) { b |= 0x20 }
            if error { b |= 0x40 }
            return [b]
        case 3:
            var b: UInt8 = 0x12
            if faults.contains(.cutterError) { b |= 0x08 }
            if faults.contains(.unrecoverableError) || faults.contains(.paperJam) { b |= 0x20 }
            return [b]
        case 4:
            var b: UInt8 = 0x12
            if faults.contains(.paperNearEnd) { b |= 0x0C }
            if faults.contains(.paperEnd) { b |= 0x60 }
            return [b]
        case 0x14 where hasPresenter:
            var paper: UInt8 = 0
            if faults.contains(.paperEnd) { paper |= 0x01 }
            if faults.contains(.paperNearEnd) { paper |= 0x04 }
            if ticketAtExit { paper |= 0x20 }
            let user: UInt8 = faults.contains(.coverOpen) ? 0x02 : 0
            var unrecoverable: UInt8 = 0
            if faults.contains(.cutterError) { unrecoverable |= 0x01 }
            if faults.contains(.unrecoverableError) { unrecoverable |= 0x04 }
            return [0x10, 0x0F, paper, user, 0x00, unrecoverable]
        default:
            return []
        }
    }

    private mutating func ejectorStatusByte() -> UInt8 {
        statusRequests += 1
        countPresenterPoll()
        var b: UInt8 = 0
        if faults.contains(.paperNearEnd) { b |= 0x01 }
        if !faults.contains(.paperEnd) { b |= 0x04 }
        if ticketAtExit { b |= 0x08 }
        if faults.contains(.cutterError) || faults.contains(.unrecoverableError) { b |= 0x40 }
        if faults.contains(.paperJam) { b |= 0x80 }
        return b
    }

    private func automaticStatusBlock() -> [UInt8] {
        var first: UInt8 = 0x10
        if !canPrint || faults.contains(.offline) { first |= 0x08 }
        if faults.contains(.coverOpen) { first |= 0x20 }
        var second: UInt8 = 0
        if faults.contains(.cutterError) { second |= 0x08 }
        if faults.contains(.unrecoverableError) { second |= 0x20 }
        var third: UInt8 = 0
        if faults.contains(.paperNearEnd) { third |= 0x03 }
        if faults.contains(.paperEnd) { third |= 0x0C }
        return [first, second, third, 0x00]
    }
}
