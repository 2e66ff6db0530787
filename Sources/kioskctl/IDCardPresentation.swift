import Foundation
import KioskCore
import KioskProtocols

/// How a decoded card is shown at the bench: masked unless `--show-personal-info`.
enum IDCardPresentation {
    static func json(_ card: IdentityCard, showPersonalInfo: Bool) -> String {
        var object = fields(card, showPersonalInfo: showPersonalInfo)
        object["cardType"] = card.cardType.rawValue
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(object) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func text(_ card: IdentityCard, photo: CardPhoto, showPersonalInfo: Bool) -> String {
        let values = fields(card, showPersonalInfo: showPersonalInfo)
        let order = [
            "name", "englishName", "chineseName", "gender", "nation", "birthDate", "address", "idNumber",
            "issuingAuthority", "validFrom", "validUntil", "passNumber", "issueCount", "nationality", "renewalCount",
        ]
        var lines = ["cardType: \(card.cardType.rawValue) (\(chineseTypeName(card.cardType)))"]
        for key in order {
            guard let value = values[key] else { continue }
            var line = "\(key): \(value)"
            if key == "gender" { line += " (\(card.gender.label))" }
            if key == "nation" { line += " (\(GA467NationCode.label(for: value)))" }
            lines.append(line)
        }
        lines.append("photo: \(photo.wlt.count) bytes WLT (not decoded)")
        if !showPersonalInfo { lines.append("(name, ID number and address masked; --show-personal-info shows them)") }
        return lines.joined(separator: "\n")
    }

    /// The brief's keys; personal values masked unless asked for.
    private static func fields(_ card: IdentityCard, showPersonalInfo: Bool) -> [String: String] {
        func personal(_ value: PersonalText?) -> String? { value.map { showPersonalInfo ? $0.unmasked : $0.masked } }
        var object: [String: String] = [
            "gender": card.gender.rawValue,
            "birthDate": card.birthDate.description,
            "validFrom": card.validFrom.description,
            "validUntil": card.validUntil.description,
        ]
        object["name"] = personal(card.name)
        object["idNumber"] = personal(card.idNumber)
        object["address"] = personal(card.address)
        object["nation"] = card.nation
        object["issuingAuthority"] = card.issuingAuthority
        object["passNumber"] = card.passNumber.map { showPersonalInfo ? $0 : Masking.keepEnds($0, head: 1, tail: 2) }
        object["issueCount"] = card.issueCount
        object["englishName"] = personal(card.englishName)
        object["nationality"] = card.nationality
        object["chineseName"] = personal(chineseName(of: card))
        object["renewalCount"] = card.renewalCount
        return object
    }

    /// The Chinese name under one key for every foreigner card: the 2017 card has a field of its own, the 2023 ('Y')
    /// card's name field is the Chinese name (docs/device-protocols.md §1.7.5).
    private static func chineseName(of card: IdentityCard) -> PersonalText? {
        if let chinese = card.chineseName { return chinese }
        guard card.cardType == .foreignerPermanent2023, !card.name.unmasked.isEmpty else { return nil }
        return card.name
    }

    private static func chineseTypeName(_ type: CardType) -> String {
        switch type {
        case .resident: "居民身份证"
        case .hkMacaoTaiwanPermit: "港澳台居民居住证"
        case .foreignerPermanent2017: "外国人永久居留身份证"
        case .foreignerPermanent2023: "新版外国人永久居留身份证"
        }
    }
}
