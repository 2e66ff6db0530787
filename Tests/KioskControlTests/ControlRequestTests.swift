import Foundation
import KioskControl
import KioskCore
import Testing

/// The control protocol's codecs (docs/control-protocol.md): each request decoded from its line, each refusal naming
/// the field, and replies in the shape callers read.
@Suite struct ControlRequestTests {
    static func decode(_ text: String) throws(FieldError) -> ControlRequest {
        try ControlRequest.decode(line: Array(text.utf8))
    }

    static func refusal(_ text: String) -> FieldError? {
        do {
            _ = try decode(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func everyRequest_decodes() throws {
        #expect(try Self.decode(#"{"command":"ping"}"#) == .ping)
        #expect(try Self.decode(#"{"command":"status"}"#) == .status)
        #expect(try Self.decode(#"{"command":"devices"}"#) == .devices(role: nil))
        #expect(try Self.decode(#"{"command":"devices","role":"idReader"}"#) == .devices(role: .idReader))
        #expect(try Self.decode(#"{"command":"history"}"#) == .history(since: nil, limit: 20))
        #expect(
            try Self.decode(#"{"command":"history","since":"2026-12-01T08:00:00Z","limit":5}"#)
                == .history(since: Date(timeIntervalSince1970: 1_796_112_000), limit: 5))
        #expect(try Self.decode(#"{"command":"outbox"}"#) == .outbox)
        #expect(try Self.decode(#"{"command":"inhibit","reason":"更换打印纸"}"#) == .inhibit(reason: "更换打印纸", hold: false))
        #expect(
            try Self.decode(#"{"command":"inhibit","reason":"x","hold":true}"#) == .inhibit(reason: "x", hold: true))
        #expect(try Self.decode(#"{"command":"release"}"#) == .release)
        #expect(try Self.decode(#"{"command":"log-level","level":"debug"}"#) == .logLevel(.debug))
        #expect(
            try Self.decode(#"{"command":"staff","staffID":"S-7","action":"extend-time"}"#)
                == .staff(staffID: "S-7", action: .extendTime))
        #expect(
            try Self.decode(#"{"command":"flow","event":"wait","step":"rating","timeoutMs":100}"#)
                == .flow(event: "wait", fields: ["step": .string("rating"), "timeoutMs": .int(100)]))
        #expect(
            try Self.decode(#"{"command":"sim","action":"place-card","card":"resident"}"#)
                == .sim(action: "place-card", fields: ["card": .string("resident")]))
    }

    @Test(arguments: [
        (#"{"command":"staff","staffID":"","action":"hand-off"}"#, "staffID", "non-empty string"),
        (#"{"command":"staff","staffID":7,"action":"hand-off"}"#, "staffID", "got a number"),
        (#"{"command":"staff","staffID":"S","action":"dance"}"#, "action", "one of extend-time"),
        (#"{"command":"inhibit"}"#, "reason", "non-empty string"),
        (#"{"command":"inhibit","reason":"   "}"#, "reason", "non-empty string"),
        (#"{"command":"inhibit","reason":"x","hold":"yes"}"#, "hold", "true or false"),
        (#"{"command":"history","limit":0}"#, "limit", "1...1000"),
        (#"{"command":"history","limit":2.5}"#, "limit", "whole number"),
        (#"{"command":"history","limit":true}"#, "limit", "got a boolean"),
        (#"{"command":"history","since":"yesterday"}"#, "since", "RFC 3339"),
        (#"{"command":"devices","role":"printer"}"#, "role", "one of idReader"),
        (#"{"command":"devices","rol":"idReader"}"#, "rol", "unknown field"),
        (#"{"command":"log-level","level":"loud"}"#, "level", "one of error, warning"),
        (#"{"command":"teleport"}"#, "command", "unknown command"),
        (#"{"command":5}"#, "command", "must be a string"),
        (#"{"event":"start"}"#, "command", "must be a string"),
        (#"{"command":"flow"}"#, "event", "non-empty string"),
    ])
    func badFields_areRefused_namingTheField(line: String, field: String, text: String) {
        let problem = Self.refusal(line)
        #expect(problem?.field == field, "\(line): \(String(describing: problem))")
        #expect(problem?.description.contains(text) == true, "\(String(describing: problem))")
        if field != "command" || text != "unknown command" {
            #expect(problem?.description.contains("'\(field)'") == true)
        }
    }

    @Test(arguments: ["", "[]", "\"status\"", "{", "null", "{\"command\":\"status\"} trailing"])
    func aLineThatIsNotOneObject_isRefused(line: String) {
        let problem = Self.refusal(line)
        #expect(problem?.field == nil)
        #expect(problem?.description == "each request must be one JSON object on one line")
    }

    @Test func anOversizedLine_isRefusedBeforeParsing() {
        let padding = String(repeating: "x", count: ControlProtocol.maximumRequestBytes)
        let problem = Self.refusal(#"{"command":"flow","event":"sign","signature":"\#(padding)"}"#)
        #expect(problem?.description == "request longer than \(ControlProtocol.maximumRequestBytes) bytes")
    }

    @Test func requests_roundTripThroughTheirLine() throws {
        let requests: [ControlRequest] = [
            .ping, .status, .devices(role: .ticketDispenser),
            .history(since: Date(timeIntervalSince1970: 1_800_000_000), limit: 3),
            .outbox, .inhibit(reason: "维护", hold: true), .release, .logLevel(.warning),
            .staff(staffID: "S-1", action: .cancel), .flow(event: "rate", fields: ["grade": .int(5)]),
            .sim(action: "lift-card", fields: ["waitForPoll": .bool(true)]),
        ]
        for request in requests {
            let line = try ControlProtocol.encodeLine(request)
            #expect(line.last == 0x0A)
            #expect(try ControlRequest.decode(line: Array(line.dropLast())) == request)
        }
    }

    @Test func admin_only_commands() {
        #expect(!ControlRequest.status.needsAdmin)
        #expect(!ControlRequest.history(since: nil, limit: 1).needsAdmin)
        #expect(ControlRequest.release.needsAdmin)
        #expect(ControlRequest.staff(staffID: "x", action: .handOff).needsAdmin)
    }

    @Test func replies_carryClassAndOk_andOmitAbsentFields() throws {
        let hello = String(
            decoding: try ControlProtocol.encodeLine(
                HelloReply(version: "0.1.0", socket: "kioskd.sock", commands: ["ping"])),
            as: UTF8.self)
        #expect(
            hello
                == #"{"class":"hello","commands":["ping"],"ok":true,"protocol":2,"socket":"kioskd.sock","version":"0.1.0"}"#
                + "\n")
        let error = String(
            decoding: try ControlProtocol.encodeLine(
                ErrorReply(FieldError.field("staffID", mustBe: "a non-empty string"))), as: UTF8.self)
        #expect(
            error
                == #"{"class":"error","error":"field 'staffID' must be a non-empty string","field":"staffID","ok":false}"#
                + "\n")
        var device = DeviceReport(
            role: .receiptPrinter, state: "faulted", reasons: ["paper-end"], endpoint: "tcp x", required: true)
        device.lastError = DeviceErrorReport(message: "open failed", path: "/dev/ttyUSB0", errno: 2)
        let decoded = try #require(
            ControlProtocol.decode(DeviceReport.self, from: Array(try ControlProtocol.encodeLine(device))))
        #expect(decoded == device)
        #expect(!decoded.isReady)
    }

    @Test func controlJSON_fromFoundation_keepsBooleansAndNumbersApart() throws {
        let object = try JSONSerialization.jsonObject(with: Data(#"{"a":true,"b":1,"c":1.5,"d":"x","e":[null]}"#.utf8))
        let value = ControlJSON(any: object)
        #expect(value["a"] == .bool(true))
        #expect(value["b"] == .int(1))
        #expect(value["c"] == .double(1.5))
        #expect(value["d"] == .string("x"))
        #expect(value["e"] == .array([.null]))
        #expect(ControlJSON(any: ["n": 3, "t": false] as [String: Any]) == .object(["n": .int(3), "t": .bool(false)]))
    }
}
