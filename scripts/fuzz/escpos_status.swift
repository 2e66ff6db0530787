// libFuzzer target for the ESC/POS status decoders and the reply reader (scripts/fuzz.sh builds it together with
// Sources/KioskCore and Sources/KioskProtocols). Any input must decode or be rejected — never crash or trap.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }

    for byte in bytes.prefix(64) {
        for request in ESCPOSRealTimeStatusRequest.allCases {
            if let conditions = try? ESCPOSStatusDecoder.realTimeStatus(request, byte) {
                precondition(ESCPOSStatusDecoder.isRealTimeStatus(byte), "decoded a byte without the fixed bits")
                _ = PrinterStatus(conditions).blockingConditions
            }
        }
        _ = ESCPOSStatusDecoder.ejectorStatus(byte)
    }
    var offset = 0
    while offset + 6 <= min(bytes.count, 256) {
        _ = try? ESCPOSStatusDecoder.automaticStatusBack(Array(bytes[offset..<(offset + 4)]))
        _ = try? ESCPOSStatusDecoder.customFullStatus(Array(bytes[offset..<(offset + 6)]))
        offset += 1
    }

    // The reader, fed in chunks whose sizes come from the input, expecting what the first byte says.
    var reader = ESCPOSReplyReader()
    var index = 1
    var step = 0
    while index < bytes.count {
        let chunk = Int(bytes[index] & 0x0F) + 1
        let end = min(bytes.count, index + chunk)
        reader.append(Array(bytes[index..<end]))
        index = end
        let expectation: ESCPOSReplyReader.Expectation =
            switch (Int(first) + step) % 3 {
            case 0: .realTimeStatus
            case 1: .ejectorStatus
            default: .customFullStatus
            }
        step += 1
        while let reply = reader.next(expecting: expectation) {
            switch reply {
            case .realTimeStatus(let byte):
                precondition(ESCPOSStatusDecoder.isRealTimeStatus(byte), "reader returned an invalid DLE EOT byte")
            case .customFullStatus(let six):
                precondition(six.count == 6 && six[0] == 0x10 && six[1] == 0x0F, "reader returned a malformed FULL status")
                _ = try? ESCPOSStatusDecoder.customFullStatus(six)
            case .ejectorStatus(let byte):
                _ = ESCPOSStatusDecoder.ejectorStatus(byte)
            }
        }
    }

    // Text handling on arbitrary (possibly invalid) UTF-8.
    let text = String(decoding: bytes.prefix(512), as: UTF8.self)
    let encoded = ESCPOSText(text, repertoire: first & 1 == 0 ? .gb18030 : .gb2312)
    let columns = Int(first % 48) + 2
    for line in encoded.wrapped(columns: columns) {
        precondition(ESCPOSText.cells(of: line) <= max(2, columns), "a wrapped line is wider than the paper")
    }
    return 0
}
