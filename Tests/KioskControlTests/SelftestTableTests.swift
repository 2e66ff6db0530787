import Foundation
import KioskControl
import Testing

/// The selftest's result table and verdict, and its request's validation: pure, no daemon.
struct SelftestTableTests {
    static let checks = [
        SelftestCheck(.idReader, "SAM status", .pass, "SW3 0x90 (success)"),
        SelftestCheck(.receiptPrinter, "test receipt", .fail, "not printed: paper-end"),
        SelftestCheck(.host, "serial ports", .warn, "ModemManager is running"),
    ]

    @Test func table_hasAlignedColumns_andTheWorstVerdict() {
        let reply = SelftestReply(
            targets: [.idReader, .receiptPrinter, .host], printedLicenceTestPage: false, checks: Self.checks)
        #expect(reply.result == .fail)
        #expect(reply.summary == "1 pass, 1 warn, 1 fail")
        let lines = SelftestTable.render(reply).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "TARGET          CHECK         RESULT  REASON")
        #expect(lines[1] == "idReader        SAM status    pass    SW3 0x90 (success)")
        #expect(lines[2] == "receiptPrinter  test receipt  fail    not printed: paper-end")
        #expect(lines[3] == "host            serial ports  warn    ModemManager is running")
        #expect(lines.last == "selftest FAILED: 1 pass, 1 warn, 1 fail")
    }

    @Test func warnings_alonePass() {
        let reply = SelftestReply(targets: [.host], printedLicenceTestPage: false, checks: [Self.checks[2]])
        #expect(reply.result == .warn)
        #expect(SelftestTable.render(reply).hasSuffix("selftest passed: 0 pass, 1 warn, 0 fail"))
    }

    @Test func request_roundTrips_andRefusesUnknownOrRepeatedTargets() throws {
        let request = ControlRequest.selftest(targets: [.licencePrinter, .central], print: true)
        let line = try ControlProtocol.encodeLine(request)
        #expect(try ControlRequest.decode(line: Array(line.dropLast())) == request)
        #expect(request.needsAdmin)
        for bad in [
            #"{"command":"selftest","targets":[]}"#, #"{"command":"selftest","targets":["printer"]}"#,
            #"{"command":"selftest","targets":["host","host"]}"#, #"{"command":"selftest"}"#,
            #"{"command":"selftest","targets":["host"],"print":"yes"}"#,
        ] {
            #expect(throws: FieldError.self, "\(bad)") { try ControlRequest.decode(line: Array(bad.utf8)) }
        }
    }
}
