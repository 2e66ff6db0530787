import Foundation
import KioskDocuments
import KioskIO
import KioskProtocols
import Testing

@testable import KioskSimulators

/// The simulated printer's parser and status answers, fed directly (pure) and over a real TCP socket.
struct ReceiptPrinterSimulatorTests {
    func receiptBytes() -> [UInt8] { sampleReceipt().bytes }

    @Test func interpreter_byteByByte_printsTheSameDocumentAsOneWrite() {
        var whole = ESCPOSSimulatorInterpreter(hasPresenter: false, ticketTaking: .manual)
        _ = whole.consume(receiptBytes())
        var split = ESCPOSSimulatorInterpreter(hasPresenter: false, ticketTaking: .manual)
        for byte in receiptBytes() { _ = split.consume([byte]) }
        #expect(whole.documents.count == 1)
        #expect(split.documents == whole.documents)
        #expect(whole.documents.first?.qrPayloads == ["https://kiosk.example/t/T20260301-0001"])
    }

    @Test func interpreter_statusReplies_setTheReferenceBits() {
        // docs/device-protocols.md §2.5: fixed 0x12; n=1 bit3 offline; n=2 bit2 cover, bit5 paper end, bit6 error;
        // n=3 bit3 cutter; n=4 0x0C near end, 0x60 paper end.
        var machine = ESCPOSSimulatorInterpreter(hasPresenter: false, ticketTaking: .manual)
        #expect(
            machine.consume([0x10, 0x04, 0x01, 0x10, 0x04, 0x02, 0x10, 0x04, 0x03, 0x10, 0x04, 0x04]) == [
                0x12, 0x12, 0x12, 0x12,
            ])
        machine.faults = [.paperEnd]
        #expect(machine.consume([0x10, 0x04, 0x01, 0x10, 0x04, 0x02, 0x10, 0x04, 0x04]) == [0x1A, 0x32, 0x72])
        machine.faults = [.coverOpen]
        #expect(machine.consume([0x10, 0x04, 0x02]) == [0x16])
        machine.faults = [.cutterError]
        #expect(machine.consume([0x10, 0x04, 0x02, 0x10, 0x04, 0x03]) == [0x52, 0x1A])
        machine.faults = [.paperNearEnd]
        #expect(machine.consume([0x10, 0x04, 0x01, 0x10, 0x04, 0x04]) == [0x12, 0x1E])
    }

    @Test func interpreter_presenter_answersEjectorAndFullStatus() {
        // §2.7: GS e 6 bit3 ticket at output; DLE EOT 20 → 10 0F P U R E with P bit5 ticket in output.
        var machine = ESCPOSSimulatorInterpreter(hasPresenter: true, ticketTaking: .manual)
        _ = machine.consume(Array("A001\n".utf8) + [0x1D, 0x65, 0x03, 0x04])
        #expect(machine.ticketAtExit)
        #expect(machine.consume([0x1D, 0x65, 0x06]) == [0x0C])
        #expect(machine.consume([0x10, 0x04, 0x14]) == [0x10, 0x0F, 0x20, 0x00, 0x00, 0x00])
        _ = machine.consume([0x1D, 0x65, 0x02])
        #expect(!machine.ticketAtExit)
        #expect(machine.presenterEvents == [.presented, .retracted])
        #expect(machine.documents.first?.lines == ["A001"])
    }

    @Test func interpreter_whileFaulted_dropsPrintDataButStillAnswers() {
        var machine = ESCPOSSimulatorInterpreter(hasPresenter: false, ticketTaking: .manual)
        machine.faults = [.coverOpen]
        let replies = machine.consume(Array("lost\n".utf8) + [0x10, 0x04, 0x02])
        #expect(replies == [0x16])
        #expect(machine.droppedBytes == 5)
        #expect(machine.current.isEmpty)
    }

    @Test func interpreter_unknownCommands_doNotDerailText() {
        var machine = ESCPOSSimulatorInterpreter(hasPresenter: false, ticketTaking: .manual)
        _ = machine.consume([0x1B, 0x7E] + Array("ok\n".utf8) + [0x1D, 0x56, 0x00])
        #expect(machine.unknownCommands == 1)
        #expect(machine.documents.first?.lines == ["ok"])
        #expect(machine.documents.first?.cut == .full)
    }

    @Test func interpreter_mute_answersNothing() {
        var machine = ESCPOSSimulatorInterpreter(hasPresenter: false, ticketTaking: .manual)
        machine.responding = false
        #expect(machine.consume([0x10, 0x04, 0x01]).isEmpty)
    }

    @Test func simulator_overTCP_writesItsDocumentsToAFile() throws {
        let simulator = try ESCPOSPrinterSimulator.startTCP()
        defer { simulator.stop() }
        guard case .tcp(let host, let port) = simulator.endpoint else {
            Issue.record("expected a TCP endpoint")
            return
        }
        let client = try TCPSocket.connect(host: host, port: port, deadline: .after(seconds: 5))
        defer { client.close() }
        try client.write(receiptBytes(), deadline: .after(seconds: 5))
        #expect(simulator.waitForDocuments(1, deadline: .after(seconds: 5)))
        let path = NSTemporaryDirectory() + "kiosk-receipt-\(UInt32.random(in: 0...UInt32.max)).txt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try simulator.writeDocuments(to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("营业执照自助打印回执"))
        #expect(text.contains("[QR] https://kiosk.example/t/T20260301-0001"))
        #expect(text.contains("[cut: partial]"))
    }
}
