import Testing

@testable import KioskProtocols

// Bit meanings from docs/device-protocols.md §2.5 (DLE EOT), §2.6 (ASB) and §2.7 (GS e 6, DLE EOT 20).
struct ESCPOSStatusDecoderTests {
    @Test func realTime_allOK_0x12_hasNoConditions() throws {
        for request in ESCPOSRealTimeStatusRequest.allCases {
            #expect(try ESCPOSStatusDecoder.realTimeStatus(request, 0x12).isEmpty)
        }
    }

    @Test func realTime_brokenFixedBits_isRejected() {
        for byte: UInt8 in [0x00, 0x13, 0x02, 0x10, 0x92, 0xFF] {
            #expect(throws: ESCPOSStatusError.notRealTimeStatus(byte)) {
                try ESCPOSStatusDecoder.realTimeStatus(.printer, byte)
            }
        }
    }

    static let realTimeCases: [(ESCPOSRealTimeStatusRequest, UInt8, PrinterCondition)] = [
        (.printer, 0x08, .offline),
        (.printer, 0x20, .waitingForOnlineRecovery),
        (.printer, 0x40, .feeding),
        (.offlineCause, 0x04, .coverOpen),
        (.offlineCause, 0x08, .feeding),
        (.offlineCause, 0x20, .paperEnd),
        (.offlineCause, 0x40, .errorOccurred),
        (.errorCause, 0x04, .mechanicalError),
        (.errorCause, 0x08, .cutterError),
        (.errorCause, 0x20, .unrecoverableError),
        (.errorCause, 0x40, .recoverableError),
        (.rollPaper, 0x0C, .paperNearEnd),
        (.rollPaper, 0x60, .paperEnd),
    ]

    @Test(arguments: realTimeCases)
    func realTime_eachBit_decodesToItsCondition(
        request: ESCPOSRealTimeStatusRequest, bit: UInt8,
        condition: PrinterCondition
    ) throws {
        #expect(try ESCPOSStatusDecoder.realTimeStatus(request, 0x12 | bit) == [condition])
    }

    @Test func realTime_pythonEscposMasks_decode() throws {
        // §2.5 python-escpos masks: OFFLINE 0x1A, LOWPAPER 0x1E, NOPAPER 0x72.
        #expect(try ESCPOSStatusDecoder.realTimeStatus(.printer, 0x1A) == [.offline])
        #expect(try ESCPOSStatusDecoder.realTimeStatus(.rollPaper, 0x1E) == [.paperNearEnd])
        #expect(try ESCPOSStatusDecoder.realTimeStatus(.rollPaper, 0x72) == [.paperEnd])
    }

    @Test func realTime_drawerBit_isIgnored() throws {
        #expect(try ESCPOSStatusDecoder.realTimeStatus(.printer, 0x16).isEmpty)
    }

    @Test func asb_allOK_hasNoConditions() throws {
        #expect(try ESCPOSStatusDecoder.automaticStatusBack([0x10, 0x00, 0x00, 0x00]).isEmpty)
    }

    static let asbCases: [([UInt8], PrinterCondition)] = [
        ([0x18, 0x00, 0x00, 0x00], .offline),
        ([0x30, 0x00, 0x00, 0x00], .coverOpen),
        ([0x50, 0x00, 0x00, 0x00], .feeding),
        ([0x10, 0x04, 0x00, 0x00], .mechanicalError),
        ([0x10, 0x08, 0x00, 0x00], .cutterError),
        ([0x10, 0x20, 0x00, 0x00], .unrecoverableError),
        ([0x10, 0x40, 0x00, 0x00], .recoverableError),
        ([0x10, 0x00, 0x03, 0x00], .paperNearEnd),
        ([0x10, 0x00, 0x0C, 0x00], .paperEnd),
    ]

    @Test(arguments: asbCases)
    func asb_eachBit_decodesToItsCondition(bytes: [UInt8], condition: PrinterCondition) throws {
        #expect(try ESCPOSStatusDecoder.automaticStatusBack(bytes) == [condition])
    }

    @Test func asb_wrongShape_isRejected() {
        #expect(throws: ESCPOSStatusError.self) { try ESCPOSStatusDecoder.automaticStatusBack([0x12, 0, 0, 0]) }
        #expect(throws: ESCPOSStatusError.self) { try ESCPOSStatusDecoder.automaticStatusBack([0x10, 0x10, 0, 0]) }
        #expect(throws: ESCPOSStatusError.self) { try ESCPOSStatusDecoder.automaticStatusBack([0x10, 0, 0]) }
    }

    @Test(arguments: [
        (UInt8(0x01), PrinterCondition.paperNearEnd),
        (0x08, .ticketAtExit),
        (0x40, .errorOccurred),
        (0x80, .paperJam),
    ])
    func ejector_eachBit_decodesToItsCondition(bit: UInt8, condition: PrinterCondition) {
        #expect(ESCPOSStatusDecoder.ejectorStatus(bit) == [condition])
    }

    @Test func ejector_motorAndSensorBits_areNotConditions() {
        // bit2 paper at entry, bit4 stepper motor, bit5 ejector motor.
        #expect(ESCPOSStatusDecoder.ejectorStatus(0x34).isEmpty)
    }

    static let customFullCases: [([UInt8], Set<PrinterCondition>)] = [
        ([0x10, 0x0F, 0x01, 0x00, 0x00, 0x00], [.paperEnd]),
        ([0x10, 0x0F, 0x04, 0x00, 0x00, 0x00], [.paperNearEnd]),
        ([0x10, 0x0F, 0x20, 0x00, 0x00, 0x00], [.ticketAtExit]),
        ([0x10, 0x0F, 0x40, 0x00, 0x00, 0x00], [.paperNearEnd]),
        ([0x10, 0x0F, 0x00, 0x01, 0x00, 0x00], [.headUp]),
        ([0x10, 0x0F, 0x00, 0x02, 0x00, 0x00], [.coverOpen]),
        ([0x10, 0x0F, 0x00, 0x00, 0x01, 0x00], [.recoverableError]),
        ([0x10, 0x0F, 0x00, 0x00, 0x80, 0x00], [.recoverableError]),
        ([0x10, 0x0F, 0x00, 0x00, 0x00, 0x01], [.cutterError]),
        ([0x10, 0x0F, 0x00, 0x00, 0x00, 0x02], [.coverOpen]),
        ([0x10, 0x0F, 0x00, 0x00, 0x00, 0x04], [.unrecoverableError]),
        ([0x10, 0x0F, 0x00, 0x00, 0x00, 0x08], [.unrecoverableError]),
        ([0x10, 0x0F, 0x00, 0x00, 0x00, 0x00], []),
    ]

    @Test(arguments: customFullCases)
    func customFull_eachBit_decodesToItsCondition(bytes: [UInt8], conditions: Set<PrinterCondition>) throws {
        #expect(try ESCPOSStatusDecoder.customFullStatus(bytes) == conditions)
    }

    @Test func customFull_wrongHeader_isRejected() {
        #expect(throws: ESCPOSStatusError.self) { try ESCPOSStatusDecoder.customFullStatus([0x10, 0x0E, 0, 0, 0, 0]) }
        #expect(throws: ESCPOSStatusError.self) { try ESCPOSStatusDecoder.customFullStatus([0x10, 0x0F, 0]) }
    }

    @Test func status_blockingConditions_preferSpecificOverOffline() {
        let status = PrinterStatus([.offline, .paperEnd, .errorOccurred, .paperNearEnd])
        #expect(status.blockingConditions == [.paperEnd])
        #expect(!status.canPrint)
        #expect(PrinterStatus([.paperNearEnd, .ticketAtExit]).canPrint)
        #expect(PrinterStatus([.offline]).blockingConditions == [.offline])
    }
}
