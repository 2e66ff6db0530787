import Foundation

/// Why a unified social credit code is not acceptable.
public enum CreditCodeError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case wrongLength(Int)
    case invalidCharacter(position: Int, Character)
    case badCheckCharacter(expected: Character)

    public var description: String {
        switch self {
        case .empty: "统一社会信用代码为空 / the credit code is empty"
        case .wrongLength(let n): "统一社会信用代码应为18位，实为\(n)位 / the credit code must have 18 characters, it has \(n)"
        case .invalidCharacter(let p, let c):
            "第\(p)位字符“\(c)”无效 / character \(p) ('\(c)') is not allowed (digits and A–Y without I, O, S, V, Z)"
        case .badCheckCharacter(let c): "校验码错误，应为\(c) / the check character is wrong; it should be \(c)"
        }
    }
}

/// A credit code that passed the GB 32100 check, with any warnings from the weaker checks.
public struct ValidCreditCode: Sendable, Hashable {
    public let code: String
    /// The embedded GB 11714 organisation-code check failed. A warning, not an error: that rule rests on one
    /// source (docs/device-protocols.md §4.3) and older codes may predate it.
    public let organisationCodeMismatch: Bool
}

/// GB 32100-2015 unified social credit codes: 18 characters from a 31-character alphabet; the 18th is a check
/// character over the first 17 with weights 3^(i−1) mod 31; characters 9–17 embed a GB 11714 organisation code.
public enum CreditCodeValidator {
    public static let alphabet: [Character] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    public static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    static let organisationWeights = [3, 7, 9, 10, 5, 8, 4, 2]

    /// The check character for 17 characters of the alphabet, or nil if one is outside it.
    public static func checkCharacter(for first17: some Collection<Character>) -> Character? {
        var sum = 0
        for (c, w) in zip(first17, weights) {
            guard let value = alphabet.firstIndex(of: c) else { return nil }
            sum += value * w
        }
        return alphabet[(31 - sum % 31) % 31]
    }

    public static func validate(_ input: String) -> Result<ValidCreditCode, CreditCodeError> {
        let chars = Array(input.trimmed.uppercased())
        guard !chars.isEmpty else { return .failure(.empty) }
        guard chars.count == 18 else { return .failure(.wrongLength(chars.count)) }
        for (i, c) in chars.enumerated() where !alphabet.contains(c) {
            return .failure(.invalidCharacter(position: i + 1, c))
        }
        guard let expected = checkCharacter(for: chars.prefix(17)), expected == chars[17] else {
            return .failure(.badCheckCharacter(expected: checkCharacter(for: chars.prefix(17)) ?? "?"))
        }
        let organisation = Array(chars[8..<17])
        return .success(
            ValidCreditCode(code: String(chars), organisationCodeMismatch: !organisationCodeIsValid(organisation)))
    }

    /// GB 11714: 8 body characters (0–9 → 0–9, A–Z → 10–35) weighted 3 7 9 10 5 8 4 2; check = 11 − (S mod 11),
    /// 10 → 'X', 11 → '0'.
    public static func organisationCodeIsValid(_ code: [Character]) -> Bool {
        guard code.count == 9 else { return false }
        var sum = 0
        for (c, w) in zip(code.prefix(8), organisationWeights) {
            guard let value = organisationValue(c) else { return false }
            sum += value * w
        }
        let check = 11 - sum % 11
        let expected: Character = check == 10 ? "X" : check == 11 ? "0" : Character(String(check))
        return code[8] == expected
    }

    private static func organisationValue(_ c: Character) -> Int? {
        guard c.isASCII else { return nil }
        if let d = c.wholeNumberValue { return d }
        guard let ascii = c.asciiValue, (65...90).contains(ascii) else { return nil }
        return Int(ascii) - 55
    }

    /// Builds a full code from its 17-character body by appending the check character; nil if the body is invalid.
    public static func complete(_ body17: String) -> String? {
        let chars = Array(body17)
        guard chars.count == 17, let check = checkCharacter(for: chars) else { return nil }
        return body17 + String(check)
    }
}
