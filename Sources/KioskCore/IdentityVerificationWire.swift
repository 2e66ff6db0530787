import Foundation

/// The central identity service's wire format (docs/central-api.yaml, `POST /identity/v1/verify`): one request per
/// face-comparison attempt, one decision back. Shared by the verifier (KioskDaemon) and the central simulator, so the
/// two cannot drift. Pure: values in, bytes out.
public enum IdentityVerificationWire {
    /// The largest JPEG sent (200 KiB); a larger frame is refused before any byte leaves the terminal.
    public static let maximumImageBytes = 200 * 1024
    /// The largest answer read; a decision is a few dozen bytes.
    public static let maximumAnswerBytes = 16 * 1024
    /// The media type of both directions.
    public static let contentType = "application/json"
    /// The attempts the flow makes (docs/face-verification.md).
    public static let attempts = 1...3
}

/// `{"transactionID", "attempt", "idNumber", "name", "image"}`, `image` being the JPEG in standard base64 (RFC 4648
/// §4, padded). Holds the card holder's ID number and name and their face: never logged.
public struct IdentityVerificationRequest: Sendable, Hashable, Codable {
    public var transactionID: String
    public var attempt: Int
    public var idNumber: String
    public var name: String
    /// Base64 of the JPEG.
    public var image: String

    public init(transactionID: String, attempt: Int, idNumber: String, name: String, image: String) {
        self.transactionID = transactionID
        self.attempt = attempt
        self.idNumber = idNumber
        self.name = name
        self.image = image
    }

    /// The most bytes `body` can take: every text character escaped as `\u00XX` (6 bytes), the base64, the keys and
    /// an attempt of any size — reserved at once, so the buffer never grows (a grown buffer leaves the old one
    /// behind, unzeroed).
    public static func capacity(transactionID: String, idNumber: String, name: String, imageBytes: Int) -> Int {
        (imageBytes + 2) / 3 * 4 + 6 * (transactionID.utf8.count + idNumber.utf8.count + name.utf8.count) + 128
    }

    /// The request body as `JSONDecoder` reads it back into this struct, written into one buffer sized up front, so
    /// the JPEG's base64 never exists outside it: the caller zeroes that one buffer once it is sent (a `String` or
    /// `Data` from an encoder would leave copies nobody can wipe).
    public static func body(transactionID: String, attempt: Int, idNumber: String, name: String, jpeg: [UInt8])
        -> [UInt8]
    {
        var body: [UInt8] = []
        body.reserveCapacity(
            capacity(transactionID: transactionID, idNumber: idNumber, name: name, imageBytes: jpeg.count))
        body.append(contentsOf: Array("{\"transactionID\":".utf8))
        JSONText.appendString(transactionID, to: &body)
        body.append(contentsOf: Array(",\"attempt\":\(attempt),\"idNumber\":".utf8))
        JSONText.appendString(idNumber, to: &body)
        body.append(contentsOf: Array(",\"name\":".utf8))
        JSONText.appendString(name, to: &body)
        body.append(contentsOf: Array(",\"image\":\"".utf8))
        Base64Text.append(jpeg, to: &body)
        body.append(contentsOf: Array("\"}".utf8))
        return body
    }
}

/// `{"decision": "match" | "noMatch", "score": 0…1}`.
public struct IdentityVerificationAnswer: Sendable, Hashable, Codable {
    public var decision: FaceDecision
    public var score: Double

    public init(decision: FaceDecision, score: Double) {
        self.decision = decision
        self.score = score
    }

    /// The answer in a 200's body; nil for anything else: malformed JSON, an unknown decision, a score that is not a
    /// finite number in 0…1, a body over `maximumAnswerBytes`.
    public static func parse(_ body: [UInt8]) -> IdentityVerificationAnswer? {
        guard body.count <= IdentityVerificationWire.maximumAnswerBytes,
            let answer = try? JSONDecoder().decode(IdentityVerificationAnswer.self, from: Data(body)),
            answer.score.isFinite, (0...1).contains(answer.score)
        else { return nil }
        return answer
    }

    /// The answer's bytes, keys sorted.
    public var json: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(self)) ?? Data())
    }
}

/// A JSON string literal written straight into a byte buffer (RFC 8259 §7): `"`, `\` and the control characters
/// escaped, everything else as its UTF-8.
enum JSONText {
    static func appendString(_ text: String, to buffer: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        buffer.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(byte)
            case 0..<0x20:
                buffer.append(contentsOf: Array("\\u00".utf8))
                buffer.append(hex[Int(byte >> 4)])
                buffer.append(hex[Int(byte & 0x0F)])
            default: buffer.append(byte)
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }
}

/// Standard padded base64 (RFC 4648 §4) written straight into a byte buffer.
enum Base64Text {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func append(_ bytes: [UInt8], to buffer: inout [UInt8]) {
        var index = 0
        while index + 3 <= bytes.count {
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { buffer.append(alphabet[Int(group >> UInt32(shift) & 0x3F)]) }
            index += 3
        }
        let rest = bytes.count - index
        guard rest > 0 else { return }
        let group = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
        buffer.append(alphabet[Int(group >> 18 & 0x3F)])
        buffer.append(alphabet[Int(group >> 12 & 0x3F)])
        buffer.append(rest == 2 ? alphabet[Int(group >> 6 & 0x3F)] : UInt8(ascii: "="))
        buffer.append(UInt8(ascii: "="))
    }
}
