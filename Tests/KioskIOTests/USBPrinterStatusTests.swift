import Glibc
import Testing

@testable import KioskIO

// Bits and layout from docs/device-protocols.md §2.8 (usblp.c: LP_PERRORP 0x08, LP_PSELECD 0x10, LP_POUTPA 0x20;
// GET_DEVICE_ID: 2-byte big-endian length including itself).
struct USBPrinterStatusTests {
    @Test func portStatus_readyPrinter_isSelectedWithoutError() {
        let status = USBPrinterPortStatus(raw: 0x18)
        #expect(status.selected && !status.error && !status.paperEmpty)
    }

    @Test func portStatus_errorLineIsActiveLow() {
        #expect(USBPrinterPortStatus(raw: 0x10).error)
        #expect(!USBPrinterPortStatus(raw: 0x08).error)
    }

    @Test func portStatus_paperEmptyBit() {
        #expect(USBPrinterPortStatus(raw: 0x38).paperEmpty)
        #expect(!USBPrinterPortStatus(raw: 0x18).paperEmpty)
    }

    @Test func deviceID_parsesFieldsWithinTheStatedLength() {
        let body = Array("MFG:Custom;MDL:KPM180H;CMD:ESC/POS;".utf8)
        let length = body.count + 2
        let reply = [UInt8(length >> 8), UInt8(length & 0xFF)] + body + Array("GARBAGE".utf8)
        let id = IEEE1284DeviceID(reply: reply)
        #expect(id.manufacturer == "Custom")
        #expect(id.model == "KPM180H")
        #expect(id.commandSet == "ESC/POS")
        #expect(!id.text.contains("GARBAGE"))
    }

    @Test func deviceID_lengthBeyondReply_isClamped() {
        let id = IEEE1284DeviceID(reply: [0xFF, 0xFF] + Array("MODEL:X;".utf8))
        #expect(id.model == "X")
    }

    @Test func openingANonPrinter_portStatusFailsWithSystemError() throws {
        let pty = try PseudoTerminal()
        let printer = try USBLinePrinter(path: pty.replicaPath)
        defer { printer.close() }
        // A PTY is not a usblp device: the kernel refuses the printer ioctl with ENOTTY.
        #expect(throws: TransportError.system(SystemError("ioctl(LPGETSTATUS)", errno: ENOTTY))) {
            _ = try printer.portStatus()
        }
    }
}
