import Testing

@testable import KioskProtocols

struct ESCPOSReplyReaderTests {
    @Test func realTime_afterXonXoffAndASB_isFound() {
        // docs/device-protocols.md §2.6: XON 0x11, XOFF 0x13, ASB block 0xx1xx00 + three 0xx0xxxx; DLE EOT reply
        // 0xx1xx10.
        var reader = ESCPOSReplyReader()
        reader.append([0x11, 0x13, 0x10, 0x00, 0x0C, 0x00, 0x1A])
        #expect(reader.next(expecting: .realTimeStatus) == .realTimeStatus(0x1A))
        #expect(reader.latestAutomaticStatusBack == [0x10, 0x00, 0x0C, 0x00])
        #expect(reader.discardedCount == 0)
    }

    @Test func realTime_splitAcrossReads_waits() {
        var reader = ESCPOSReplyReader()
        reader.append([0x10, 0x00])
        #expect(reader.next(expecting: .realTimeStatus) == nil)
        reader.append([0x00, 0x00, 0x12])
        #expect(reader.next(expecting: .realTimeStatus) == .realTimeStatus(0x12))
    }

    @Test func realTime_garbage_isDiscardedAndCounted() {
        var reader = ESCPOSReplyReader()
        reader.append([0xFF, 0x00, 0x12])
        #expect(reader.next(expecting: .realTimeStatus) == .realTimeStatus(0x12))
        #expect(reader.discardedCount == 2)
    }

    @Test func customFull_afterNoise_isFound() {
        var reader = ESCPOSReplyReader()
        reader.append([0x55, 0x10])
        #expect(reader.next(expecting: .customFullStatus) == nil)
        reader.append([0x0F, 0x20, 0x00, 0x00, 0x00])
        #expect(reader.next(expecting: .customFullStatus) == .customFullStatus([0x10, 0x0F, 0x20, 0x00, 0x00, 0x00]))
    }

    @Test func ejector_takesFirstByte() {
        var reader = ESCPOSReplyReader()
        reader.append([0x08, 0x00])
        #expect(reader.next(expecting: .ejectorStatus) == .ejectorStatus(0x08))
    }

    @Test func buffer_isBounded() {
        var reader = ESCPOSReplyReader()
        reader.append([UInt8](repeating: 0x55, count: 1000))
        #expect(reader.discardedCount == 1000 - ESCPOSReplyReader.bufferLimit)
    }
}
