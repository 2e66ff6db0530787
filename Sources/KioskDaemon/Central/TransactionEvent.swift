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

    /// The store's `eventRenderer`: each entry is rendered once, when its transaction is recorded or purged, and the
    /// pull API and the pusher then copy the stored bytes (docs/ARCHITECTURE.md §15).
    static func renderer(kioskID: String) -> OutboxEventRenderer {
        { entry in
            var out = JSONBytes()
            render(entry, kioskID: kioskID, to: &out)
            return out.bytes
        }
    }

    /// The entry's stored event when it has one, else rendered now (entries stored before events were, or by a store
    /// opened without the renderer).
    static func append(_ entry: OutboxEntry, kioskID: String, to out: inout JSONBytes) {
        if let event = entry.event, !event.isEmpty {
            out.bytes.append(contentsOf: event)
        } else {
            render(entry, kioskID: kioskID, to: &out)
        }
    }

    /// The entry rendered from its record, whatever is stored.
    static func render(_ entry: OutboxEntry, kioskID: String, to out: inout JSONBytes) {
        let record = StoredRecordReader.record(entry.payload) ?? (try? entry.record())
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
        var text = text
        text.withUTF8 { utf8 in
            // Runs of bytes that need no escape are copied at once: most of an event's text is such a run.
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard Self.needsEscape(byte, escapingSlashes: escapingSlashes) else { continue }
                if start < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index])) }
                escape(byte, escapingSlashes: escapingSlashes)
                start = index + 1
            }
            if start < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func needsEscape(_ byte: UInt8, escapingSlashes: Bool) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
            || (escapingSlashes && byte == UInt8(ascii: "/"))
    }

    private mutating func escape(_ byte: UInt8, escapingSlashes: Bool) {
        switch byte {
        case UInt8(ascii: "\""): raw("\\\"")
        case UInt8(ascii: "\\"): raw("\\\\")
        case UInt8(ascii: "/"): raw("\\/")
        case 0x0A: raw("\\n")
        case 0x0D: raw("\\r")
        case 0x09: raw("\\t")
        case 0x08 where escapingSlashes: raw("\\b")
        case 0x0C where escapingSlashes: raw("\\f")
        default:
            raw("\\u00")
            bytes.append(Self.hex[Int(byte >> 4)])
            bytes.append(Self.hex[Int(byte & 0x0F)])
        }
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
