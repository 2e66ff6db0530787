// libFuzzer target: the pull API's acknowledgement body (Sources/KioskDaemon/Central/AckBody.swift) on Foundation's
// JSON parser. Any input is taken or refused without trapping; what is taken is a non-negative integer that the
// canonical body `{"upTo": N}` gives back unchanged.
// fuzz-sources: Sources/KioskDaemon/Central/AckBody.swift

import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let upTo = AckBody.upTo(bytes) else { return 0 }
    precondition(upTo >= 0 && upTo <= AckBody.maximum, "upTo out of range: \(upTo)")
    precondition(AckBody.upTo(Array("{\"upTo\": \(upTo)}".utf8)) == upTo, "the canonical body changed \(upTo)")
    return 0
}
