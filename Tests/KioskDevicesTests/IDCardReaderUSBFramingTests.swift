import KioskDevices
import KioskIO
import KioskProtocols
import Testing

/// The two USB framings of docs/device-protocols.md §1.2 / §5.2 (pure parts; no USB device exists in CI).
@Suite struct IDCardReaderUSBFramingTests {
    // §1.4 read base info frame; §1.2: bytes 0–6 to EP 0x02, the remaining LEN bytes to EP 0x06.
    @Test func splitFrame_readBaseInfo_headerIsPreambleAndLength() {
        let frame: [UInt8] = [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x01, 0x32]
        let parts = GA467USBFraming.splitFrame(frame)
        #expect(parts.header == [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03])
        #expect(parts.body == [0x30, 0x01, 0x32])
    }

    // §1.6: a read-base reply header announces LEN 05 08 (1288 body bytes).
    @Test func bodyLength_readBaseReplyHeader_is1288() {
        #expect(GA467USBFraming.bodyLength(ofHeader: [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x05, 0x08]) == 0x0508)
    }

    @Test func bodyLength_notAPreamble_isNil() {
        #expect(GA467USBFraming.bodyLength(ofHeader: [0xAA, 0xAA, 0x00, 0x96, 0x69, 0x00, 0x04]) == nil)
        #expect(GA467USBFraming.bodyLength(ofHeader: [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x00]) == nil)
        #expect(GA467USBFraming.bodyLength(ofHeader: [0xAA, 0xAA, 0xAA, 0x96]) == nil)
    }

    @Test func automatic_withAllFourSplitEndpoints_choosesSplit() {
        let framing = GA467USBFraming.automatic.resolved(inEndpoints: [0x81, 0x85], outEndpoints: [0x02, 0x06])
        #expect(framing == .split)
    }

    @Test func automatic_withOnePair_choosesSinglePipe() {
        #expect(GA467USBFraming.automatic.resolved(inEndpoints: [0x81], outEndpoints: [0x01]) == .singlePipe)
        #expect(GA467USBFraming.automatic.resolved(inEndpoints: [0x81, 0x85], outEndpoints: [0x02]) == .singlePipe)
    }

    @Test func explicitFraming_overridesTheEndpoints() {
        #expect(
            GA467USBFraming.singlePipe.resolved(inEndpoints: [0x81, 0x85], outEndpoints: [0x02, 0x06]) == .singlePipe)
        #expect(GA467USBFraming.split.resolved(inEndpoints: [0x81], outEndpoints: [0x01]) == .split)
    }

    @Test func usbProfile_is0400C35AInterfaceZero() {
        guard case .usb(let selector, let framing) = IDReaderProfile.usb0400C35A().transport else {
            Issue.record("expected a USB transport")
            return
        }
        #expect(selector.vendorID == 0x0400)
        #expect(selector.productID == 0xC35A)
        #expect(selector.interfaceNumber == 0)
        #expect(framing == .automatic)
    }

    @Test func openingAbsentUSBReader_failsAsDisconnectedOrUnavailable() {
        var profile = IDReaderProfile.usb0400C35A()
        profile.commandTimeout = .milliseconds(50)
        let error = #expect(throws: TransportError.self) { try IDCardReader.openTransport(profile) }
        switch error {
        case .disconnected(let what)?:
            #expect(what.contains("is not attached"), "\(what)")
        case .system(let failure)?:
            // No USB stack at all (a container without /dev/bus/usb): libusb itself says so.
            #expect(failure.call.hasPrefix("libusb_"), "\(failure)")
        default:
            Issue.record("expected disconnected or a libusb failure, got \(String(describing: error))")
        }
    }
}
