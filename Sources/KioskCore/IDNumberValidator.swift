import Foundation

/// Why an identity number is not acceptable; each case says what is wrong in Chinese and English.
public enum IDNumberError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case wrongLength(Int)
    case invalidCharacter(position: Int)
    case invalidBirthDate
    case birthDateInFuture
    case implausibleAge(Int)
    case badCheckDigit(expected: Character)
    case badForeignerPrefix

    public var description: String {
        switch self {
        case .empty: "号码为空 / the number is empty"
        case .wrongLength(let n): "号码应为18位，实为\(n)位 / the number must have 18 characters, it has \(n)"
        case .invalidCharacter(let p):
            "第\(p)位字符无效 / character \(p) is invalid (digits only, with X allowed as the last character)"
        case .invalidBirthDate: "出生日期不是有效日期 / the birth date (characters 7–14) is not a real calendar date"
        case .birthDateInFuture: "出生日期晚于今天 / the birth date is in the future"
        case .implausibleAge(let age): "年龄\(age)岁不合理 / an age of \(age) years is not plausible"
        case .badCheckDigit(let c): "校验码错误，应为\(c) / the check character is wrong; it should be \(c)"
        case .badForeignerPrefix:
            "外国人永久居留身份证号码应以9开头 / a 2023 foreigner permanent residence number must start with 9"
        }
    }
}

/// An 18-character number checked by `IDNumberValidator`: resident (GB 11643), HK/Macao/Taiwan permit
/// (810000/820000/830000 prefix) or 2023 foreigner permanent residence card (leading 9).
public struct ValidIDNumber: Sendable, Hashable {
    public enum Kind: String, Sendable { case resident, hkMacaoTaiwanPermit, foreignerPermanent2023 }

    public let number: PersonalText
    public let kind: Kind
    public let birthDate: CivilDate
}

/// GB 11643-1999 citizen identity numbers: ISO 7064 MOD 11-2 check character over 17 weighted digits
/// (weights 2^(18−i) mod 11), a real birth date at characters 7–14 and a plausible age.
public enum IDNumberValidator {
    public static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkCharacters: [Character] = Array("10X98765432")
    /// Oldest plausible age; the oldest documented person lived to 122.
    public static let maximumAge = 130

    /// The check character for the first 17 digits.
    public static func checkCharacter(for digits17: [Int]) -> Character {
        let sum = zip(digits17, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return checkCharacters[sum % 11]
    }

    /// Validates `input` as of `today`. Surrounding whitespace is ignored and a lowercase `x` is read as `X`.
    public static func validate(_ input: String, today: CivilDate) -> Result<ValidIDNumber, IDNumberError> {
        let text = input.trimmed.uppercased()
        guard !text.isEmpty else { return .failure(.empty) }
        let characters = text.count
        guard characters == 18 else { return .failure(.wrongLength(characters)) }
        let bytes = Array(text.utf8)
        if bytes.count != 18 {
            // 18 characters but more bytes: something is not ASCII (e.g. full-width digits).
            let position =
                (text.firstIndex { !$0.isASCII }).map { text.distance(from: text.startIndex, to: $0) + 1 } ?? 1
            return .failure(.invalidCharacter(position: position))
        }
        var digits = [Int](repeating: 0, count: 17)
        for i in 0..<17 {
            let b = bytes[i]
            guard (0x30...0x39).contains(b) else { return .failure(.invalidCharacter(position: i + 1)) }
            digits[i] = Int(b - 0x30)
        }
        let last = bytes[17]
        guard last == UInt8(ascii: "X") || (0x30...0x39).contains(last) else {
            return .failure(.invalidCharacter(position: 18))
        }
        let year = digits[6] * 1000 + digits[7] * 100 + digits[8] * 10 + digits[9]
        guard let birth = CivilDate(year: year, month: digits[10] * 10 + digits[11], day: digits[12] * 10 + digits[13])
        else { return .failure(.invalidBirthDate) }
        guard birth <= today else { return .failure(.birthDateInFuture) }
        let age = birth.years(until: today)
        guard age <= maximumAge else { return .failure(.implausibleAge(age)) }
        let expected = checkCharacter(for: digits)
        guard expected.asciiValue == last else { return .failure(.badCheckDigit(expected: expected)) }
        let kind: ValidIDNumber.Kind =
            if digits[0] == 9 { .foreignerPermanent2023 } else if digits[0] == 8 && (1...3).contains(digits[1]) {
                .hkMacaoTaiwanPermit
            } else { .resident }
        return .success(ValidIDNumber(number: PersonalText(text, kind: .idNumber), kind: kind, birthDate: birth))
    }

    /// Validates a 2023 foreigner permanent residence number: the same rules plus a leading 9.
    public static func validateForeigner2023(_ input: String, today: CivilDate) -> Result<ValidIDNumber, IDNumberError>
    {
        validate(input, today: today).flatMap { valid in
            valid.kind == .foreignerPermanent2023 ? .success(valid) : .failure(.badForeignerPrefix)
        }
    }
}

/// The 2017 foreigner permanent residence card number: 15 characters, three letters (GB/T 2659 nationality) then
/// 12 digits. docs/device-protocols.md §1.10 knows no check-digit rule for it, so only the format is checked.
public enum Foreigner2017NumberValidator {
    public static func isWellFormed(_ input: String) -> Bool {
        let chars = Array(input.trimmed.uppercased())
        return chars.count == 15 && chars.prefix(3).allSatisfy { $0.isASCII && $0.isLetter }
            && chars.suffix(12).allSatisfy { $0.isASCII && $0.isNumber }
    }
}
