import KioskControl
import Testing

/// The `sim` request's `face` action, typed: what kioskctl sends is what kioskd reads, and anything else is refused
/// naming the field.
struct FaceSimulationTests {
    @Test func request_roundTripsThroughTheControlLine() throws {
        let face = FaceSimulation(mode: .noMatch, script: [.unavailable, .slow, .match])
        let line = Array(try ControlProtocol.encodeLine(face.request).dropLast())
        guard case .sim(let action, let fields) = try ControlRequest.decode(line: line) else {
            Issue.record("not a sim request")
            return
        }
        #expect(action == "face")
        #expect(try FaceSimulation(fields: fields) == face)
        #expect(fields["mode"] == .string("no-match"))
    }

    @Test func wrongFields_areRefusedNamingTheField() {
        let cases: [([String: ControlJSON], String)] = [
            ([:], "mode"),
            (["mode": .string("maybe")], "mode"),
            (["mode": .int(1)], "mode"),
            (["script": .string("match")], "script"),
            (["script": .array([.string("match"), .string("later")])], "script"),
            (["script": .array(Array(repeating: .string("match"), count: 21))], "script"),
            (["mode": .string("match"), "score": .double(0.5)], "score"),
        ]
        for (fields, field) in cases {
            let error = #expect(throws: FieldError.self) { try FaceSimulation(fields: fields) }
            #expect(error?.field == field, "\(fields)")
        }
    }
}
