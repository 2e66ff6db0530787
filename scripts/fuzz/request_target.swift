// libFuzzer target: the HTTP request-target parser (Sources/KioskHTTP/RequestTarget.swift). Any input must parse or
// be refused — never trap — and what parses must survive a canonical re-encoding: percent-encode every decoded
// segment and query part, parse again, and get the same path, segments and query.
// fuzz-sources: Sources/KioskHTTP/RequestTarget.swift

@_cdecl("LLVMFuzzerTestOneInput")
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let target = try? RequestTarget.parse(text) else { return 0 }
    precondition(target.path.hasPrefix("/"), "a parsed path starts with /")
    precondition(target.segments.count <= RequestTarget.maximumSegments, "segment bound")
    precondition(target.query.count <= RequestTarget.maximumQueryItems, "query bound")
    for item in target.query {
        _ = try? target.integer(item.name, default: 0, in: -5...5)
    }
    var encoded = "/" + target.segments.map(percentEncoded).joined(separator: "/")
    if !target.query.isEmpty {
        encoded +=
            "?"
            + target.query.map { item in
                percentEncoded(item.name) + (item.value.map { "=" + percentEncoded($0) } ?? "")
            }.joined(separator: "&")
    }
    // Re-encoding can only lengthen the text; past the length bound the second parse may rightly refuse it.
    guard encoded.utf8.count <= RequestTarget.maximumLength else { return 0 }
    guard let again = try? RequestTarget.parse(encoded) else {
        preconditionFailure("the canonical encoding of a parsed target did not parse: \(encoded)")
    }
    precondition(again == target, "round trip changed the target: \(encoded)")
    return 0
}

private func percentEncoded(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = Array("0123456789ABCDEF".utf8)
            out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
        }
    }
    return out
}
