import Testing

@testable import KioskProtocols

// Golden bytes: docs/device-protocols.md §2 (python-escpos constants.py and the manuals cited per row).
struct ESCPOSCommandTests {
    @Test func initialize_isEscAt() {
        #expect(ESCPOSCommand.initialize == [0x1B, 0x40])  // §2.1 HW_INIT
    }

    @Test func chineseMode_isFsAmpersandAndFsDot() {
        #expect(ESCPOSCommand.chineseModeOn == [0x1C, 0x26])  // §2.2
        #expect(ESCPOSCommand.chineseModeOff == [0x1C, 0x2E])  // §2.2
    }

    @Test func lineFeed_isLF() { #expect(ESCPOSCommand.lineFeed == [0x0A]) }  // §2.1

    @Test func characterSize_packsWidthHighNibbleHeightLowNibble() {
        // §2.1: GS ! n, low nibble = height − 1, high nibble = width − 1.
        #expect(ESCPOSCommand.characterSize(width: 1, height: 1) == [0x1D, 0x21, 0x00])
        #expect(ESCPOSCommand.characterSize(width: 2, height: 2) == [0x1D, 0x21, 0x11])
        #expect(ESCPOSCommand.characterSize(width: 1, height: 2) == [0x1D, 0x21, 0x01])
        #expect(ESCPOSCommand.characterSize(width: 8, height: 8) == [0x1D, 0x21, 0x77])
        #expect(ESCPOSCommand.characterSize(width: 20, height: 0) == [0x1D, 0x21, 0x70])
    }

    @Test func boldUnderlineAlign_matchReference() {
        #expect(ESCPOSCommand.bold(true) == [0x1B, 0x45, 0x01])  // §2.1
        #expect(ESCPOSCommand.bold(false) == [0x1B, 0x45, 0x00])
        #expect(ESCPOSCommand.underline(.off) == [0x1B, 0x2D, 0x00])
        #expect(ESCPOSCommand.underline(.single) == [0x1B, 0x2D, 0x01])
        #expect(ESCPOSCommand.underline(.double) == [0x1B, 0x2D, 0x02])
        #expect(ESCPOSCommand.align(.left) == [0x1B, 0x61, 0x00])
        #expect(ESCPOSCommand.align(.centre) == [0x1B, 0x61, 0x01])
        #expect(ESCPOSCommand.align(.right) == [0x1B, 0x61, 0x02])
    }

    @Test func feed_isEscD() { #expect(ESCPOSCommand.feed(lines: 3) == [0x1B, 0x64, 0x03]) }  // §2.1

    @Test func cut_allFourForms() {
        #expect(ESCPOSCommand.cut(.full) == [0x1D, 0x56, 0x00])  // §2.1 PAPER_FULL_CUT
        #expect(ESCPOSCommand.cut(.partial) == [0x1D, 0x56, 0x01])
        #expect(ESCPOSCommand.cut(.fullAfterFeed(0)) == [0x1D, 0x56, 0x41, 0x00])
        #expect(ESCPOSCommand.cut(.partialAfterFeed(0)) == [0x1D, 0x56, 0x42, 0x00])  // python-escpos cut(feed=False)
    }

    @Test func barcodeSettings_matchReference() {
        #expect(ESCPOSCommand.barcodeHeight(80) == [0x1D, 0x68, 80])  // §2.4
        #expect(ESCPOSCommand.barcodeModuleWidth(3) == [0x1D, 0x77, 3])
        #expect(ESCPOSCommand.barcodeModuleWidth(9) == [0x1D, 0x77, 6])
        #expect(ESCPOSCommand.barcodeTextPosition(.below) == [0x1D, 0x48, 2])
    }

    @Test func code128_isFunctionBWithLength() {
        // §2.4: GS k 73 n d1…dn, data starting with {B.
        #expect(ESCPOSCommand.code128([0x7B, 0x42, 0x41, 0x31]) == [0x1D, 0x6B, 0x49, 0x04, 0x7B, 0x42, 0x41, 0x31])
    }

    @Test func qrFunctions_matchReference() {
        // §2.3.
        #expect(ESCPOSCommand.qrModel(.model2) == [0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00])
        #expect(ESCPOSCommand.qrModel(.model1) == [0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x31, 0x00])
        #expect(ESCPOSCommand.qrModuleSize(6) == [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06])
        #expect(ESCPOSCommand.qrErrorCorrection(.low) == [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x30])
        #expect(ESCPOSCommand.qrErrorCorrection(.high) == [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x33])
        #expect(ESCPOSCommand.qrStore([0x41, 0x42]) == [0x1D, 0x28, 0x6B, 0x05, 0x00, 0x31, 0x50, 0x30, 0x41, 0x42])
        #expect(ESCPOSCommand.qrPrint == [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30])
    }

    @Test func qrStore_lengthAbove255_isLittleEndian() {
        // §2.3: pL + 256·pH = k + 3; 300 + 3 = 303 = 0x012F.
        let stored = ESCPOSCommand.qrStore([UInt8](repeating: 0x41, count: 300))
        #expect(Array(stored.prefix(5)) == [0x1D, 0x28, 0x6B, 0x2F, 0x01])
        #expect(stored.count == 8 + 300)
    }

    @Test func statusRequests_matchReference() {
        #expect(ESCPOSCommand.realTimeStatus(.printer) == [0x10, 0x04, 0x01])  // §2.5
        #expect(ESCPOSCommand.realTimeStatus(.rollPaper) == [0x10, 0x04, 0x04])
        #expect(ESCPOSCommand.automaticStatusBack(0x0F) == [0x1D, 0x61, 0x0F])  // §2.6
        #expect(ESCPOSCommand.customFullStatus == [0x10, 0x04, 0x14])  // §2.7 DLE EOT 20
    }

    @Test func presenterCommands_matchReference() {
        // §2.7 GS e family.
        #expect(ESCPOSCommand.presenterRetract == [0x1D, 0x65, 0x02])
        #expect(ESCPOSCommand.presenterPresent(steps: 4) == [0x1D, 0x65, 0x03, 0x04])
        #expect(ESCPOSCommand.presenterEject == [0x1D, 0x65, 0x05])
        #expect(ESCPOSCommand.presenterStatus == [0x1D, 0x65, 0x06])
    }
}
