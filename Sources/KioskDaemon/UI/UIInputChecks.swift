import Foundation

/// An input that parsed but is refused (a `422`, docs/ui-api.md): the field, a stable code, and what the citizen
/// reads, in Chinese and English. Never holds the value itself.
struct UIIssue: Sendable, Hashable, Encodable {
    var field: String
    var code: String
    var message: String
    var messageEnglish: String
}

/// Why a signature is not taken: a malformed field (`400`) or a refused signature (`422`, field `signature`).
enum SignatureRefusal: Error, Sendable, Hashable {
    case malformed(UIEventProblem)
    case refused(UIIssue)
}

/// The rules a signature must meet before its hash goes to the flow: the canvas's PNG, at most 256 KiB, and ink
/// that is not trivial (at least 20 points, a bounding box at least 15 % of the canvas wide and 5 % high). Foundation
/// only, so scripts/fuzz.sh builds it on its own.
enum SignatureCheck {
    static let maximumImageBytes = 256 * 1024
    static let minimumPoints = 20
    static let minimumWidthShare = 0.15
    static let minimumHeightShare = 0.05
    static let dataURLPrefix = "data:image/png;base64,"
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The PNG's bytes, or why the signature is refused.
    static func check(_ signature: UISignature) -> Result<[UInt8], SignatureRefusal> {
        guard signature.dataURL.hasPrefix(dataURLPrefix) else {
            return .failure(.refused(issue("not-png", "签名图片应为PNG格式", "the signature image must be a PNG")))
        }
        let encoded = signature.dataURL.utf8.dropFirst(dataURLPrefix.utf8.count)
        // Refused by its length before anything is decoded: base64 takes 4 characters for 3 bytes.
        guard encoded.count <= (maximumImageBytes + 2) / 3 * 4 else { return .failure(.refused(tooLarge)) }
        guard let data = Data(base64Encoded: Data(encoded)) else {
            return .failure(.malformed(UIEventProblem(field: "image", "not valid base64 after \(dataURLPrefix)")))
        }
        let bytes = [UInt8](data)
        guard bytes.count <= maximumImageBytes else { return .failure(.refused(tooLarge)) }
        guard isPNG(bytes) else {
            return .failure(.refused(issue("not-png", "签名图片应为PNG格式", "the signature image must be a PNG")))
        }
        if let problem = inkProblem(signature.ink) { return .failure(.refused(problem)) }
        return .success(bytes)
    }

    /// A PNG starts with its 8-byte signature and an IHDR chunk of 13 bytes giving a width and height above 0.
    static func isPNG(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 33, Array(bytes[0..<8]) == pngSignature else { return false }
        let length = bytes[8..<12].reduce(0) { $0 << 8 | Int($1) }
        guard length == 13, Array(bytes[12..<16]) == Array("IHDR".utf8) else { return false }
        let width = bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }
        let height = bytes[20..<24].reduce(0) { $0 << 8 | Int($1) }
        return width > 0 && height > 0
    }

    static func inkProblem(_ ink: UIInk) -> UIIssue? {
        if ink.points < minimumPoints {
            return issue("too-few-points", "签名过于简单，请重新签字", "the signature is too short; sign again")
        }
        if ink.boundsWidth < minimumWidthShare * ink.canvasWidth {
            return issue("too-narrow", "签名太小，请写大一些", "the signature is too narrow; sign larger")
        }
        if ink.boundsHeight < minimumHeightShare * ink.canvasHeight {
            return issue("too-flat", "签名太扁，请写大一些", "the signature is too flat; sign larger")
        }
        return nil
    }

    private static var tooLarge: UIIssue {
        issue(
            "too-large", "签名图片超过256 KiB", "the signature image is larger than \(maximumImageBytes / 1024) KiB")
    }

    private static func issue(_ code: String, _ chinese: String, _ english: String) -> UIIssue {
        UIIssue(field: "signature", code: code, message: chinese, messageEnglish: english)
    }
}

/// The rules of 好差评 beyond the types: reasons and the follow-up consent belong to a grade of 2 or below.
enum RatingCheck {
    static func issues(_ rating: UIRating) -> [UIIssue] {
        guard rating.grade > 2 else { return [] }
        var issues: [UIIssue] = []
        if !rating.reasons.isEmpty {
            issues.append(
                UIIssue(
                    field: "reasons", code: "only-when-dissatisfied", message: "只有不满意时才选择原因",
                    messageEnglish: "reasons are given only with 不满意 or 非常不满意 (grade 2 or 1)"))
        }
        if rating.followUpConsent == true {
            issues.append(
                UIIssue(
                    field: "followUpConsent", code: "only-when-dissatisfied", message: "只有不满意时才可同意回访",
                    messageEnglish: "a follow-up call is offered only with grade 2 or 1"))
        }
        return issues
    }
}
