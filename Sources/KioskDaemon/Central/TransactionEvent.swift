import Foundation
import KioskCore
import KioskStore

/// One outbox entry as a CloudEvents 1.0 `kioskd.transaction.v1` event: what the pull API serves and the pusher
/// sends. `data` is `TransactionEventData` (the stored JSON as it is if a record ever failed to decode, so nothing is
/// withheld from the centre).
enum TransactionEvent {
    static func json(_ entry: OutboxEntry, kioskID: String) -> String {
        var out = JSONBytes()
        append(entry, kioskID: kioskID, to: &out)
        return out.string
    }

    /// The events as a JSON array (a push body), in one buffer.
    static func batch(_ entries: [OutboxEntry], kioskID: String) -> [UInt8] {
        var out = JSONBytes()
        out.raw("[")
        for (index, entry) in entries.enumerated() {
            if index > 0 { out.raw(",") }
            append(entry, kioskID: kioskID, to: &out)
        }
        out.raw("]")
        return out.bytes
    }

    static func append(_ entry: OutboxEntry, kioskID: String, to out: inout JSONBytes) {
        let record = try? entry.record()
        let ended = record?.endedAt ?? entry.createdAt
        out.raw("{\"specversion\":\"1.0\",\"id\":")
        out.string(entry.transactionID, escapingSlashes: false)
        out.raw(",\"source\":")
        out.string("urn:kioskd:" + kioskID, escapingSlashes: false)
        out.raw(",\"type\":\"kioskd.transaction.v1\",\"time\":\"")
        out.raw(PullAPI.rfc3339(ended))
        out.raw("\",\"subject\":")
        out.string(entry.transactionID, escapingSlashes: false)
        out.raw(",\"datacontenttype\":\"application/json\",\"seq\":")
        out.raw(String(entry.seq))
        out.raw(",\"data\":")
        if let record {
            TransactionEventData.append(
                record, purged: entry.personalDataPurgedAt != nil, signaturePNG: entry.signaturePNG, to: &out)
        } else if entry.payload.isEmpty {
            out.raw("null")
        } else {
            out.bytes.append(contentsOf: entry.payload)
        }
        out.raw("}")
    }
}

/// A JSON text built in one byte buffer. Strings are escaped as Foundation's `JSONSerialization` escapes them
/// (`\/`, `\b`, `\f`, `\n`, `\r`, `\t`, other controls as `\u00XX`, everything else as it is), so the bytes match
/// what it wrote before; `escapingSlashes: false` is the envelope's escaping (`HTTPResponse.jsonString`'s).
struct JSONBytes {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(2048) }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func string(_ text: String, escapingSlashes: Bool = true) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case UInt8(ascii: "/") where escapingSlashes: raw("\\/")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x08 where escapingSlashes: raw("\\b")
            case 0x0C where escapingSlashes: raw("\\f")
            case 0..<0x20:
                raw("\\u00")
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// `"key":` after a comma unless it is the object's first member; `first` tracks that.
    mutating func key(_ key: String, first: inout Bool) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        string(key)
        bytes.append(UInt8(ascii: ":"))
    }
}
