// libFuzzer target: the 256-byte text-block decoder for all four card types. The input is padded or cut to 256 bytes;
// the marker byte is steered by the first input byte so every layout gets exercised. A decoded card must survive
// encode → decode unchanged.

@_cdecl("LLVMFuzzerTestOneInput")
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    var block = Array(bytes.dropFirst().prefix(256))
    while block.count < 256 { block.append(block.count % 2 == 0 ? 0x20 : 0x00) }
    let markers: [UInt8] = [0x20, 0x4A, 0x49, 0x59]
    if first & 0x80 == 0 {
        block[248] = markers[Int(first) % 4]
        block[249] = 0
    }
    if first & 0x40 != 0 {
        // Valid dates where the layout wants them, so decoding gets past the date checks and the round trip runs.
        let dates = block[248] == 0x49 ? [220, 188, 204] : [36, 188, 204]
        for (n, offset) in dates.enumerated() {
            let digits = Array("20\(n)\(Int(first) % 10)0\(1 + Int(first) % 9)1\(Int(first) % 3)".utf8)
            for (i, digit) in digits.enumerated() {
                block[offset + 2 * i] = digit
                block[offset + 2 * i + 1] = 0
            }
        }
    }
    _ = try? GA467TextBlock.decode(Array(block.prefix(Int(first) % 300)))
    guard let card = try? GA467TextBlock.decode(block) else { return 0 }
    _ = "\(card.name) \(card.idNumber) \(String(describing: card.address))"
    let again = try? GA467TextBlock.decode(GA467TextBlockEncoder.encode(card))
    precondition(again == card, "encode → decode changed a decoded card")
    decodedCount &+= 1
    return 0
}

/// How many inputs decoded to a card (visible in a debugger; keeps the round trip from being dead code).
nonisolated(unsafe) var decodedCount = 0
