// libFuzzer target: the GA 467 incremental decoder, reply/request parsing and base-info splitting on arbitrary bytes
// in arbitrary chunking. Built by scripts/fuzz.sh together with the KioskCore and KioskProtocols sources.

@_cdecl("LLVMFuzzerTestOneInput")
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let chunk = Int(first % 17) + 1
    let input = Array(bytes.dropFirst())
    for direction in 0..<2 {
        var decoder = direction == 0 ? GA467Decoder.replies() : GA467Decoder.requests()
        var index = 0
        while index < input.count {
            decoder.append(input[index..<min(input.count, index + chunk)])
            index += chunk
            while let output = decoder.next() {
                guard case .frame(let payload) = output else { continue }
                // A frame came out: its payload re-encodes to a frame the decoder accepts again, byte for byte.
                precondition(payload.count + 1 >= decoder.minimumLength && payload.count < decoder.maximumLength)
                var again = direction == 0 ? GA467Decoder.replies() : GA467Decoder.requests()
                again.append(GA467Frame.encode(payload: payload))
                precondition(again.next() == .frame(payload), "re-encoded frame did not decode to the same payload")
                if let response = GA467Response(payload: payload) {
                    _ = response.status.description
                    _ = try? GA467BaseInfo(replyData: response.data, withFingerprint: false)
                    _ = try? GA467BaseInfo(replyData: response.data, withFingerprint: true)
                    _ = GA467SAMID(replyData: response.data)?.formatted
                }
                if let request = GA467Request(payload: payload), let command = GA467Command(request) {
                    precondition(command.request == request, "command did not round-trip")
                }
            }
            precondition(decoder.bufferedCount <= decoder.bufferLimit, "decoder buffer exceeded its limit")
        }
    }
    return 0
}
