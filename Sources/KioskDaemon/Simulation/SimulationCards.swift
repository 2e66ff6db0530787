import KioskCore
import KioskSimulators

/// The cards a test or the demo can put on the simulated reader by name.
enum SimulationCards {
    static let names = CardType.allCases.map(\.rawValue) + ["expired", "under-age"]

    static func card(named name: String) -> IDReaderSimulatorCard? {
        if let type = CardType(rawValue: name) { return .sample(type) }
        var identity = IDReaderSampleCards.resident
        switch name {
        case "expired":
            identity.validFrom = CivilDate(year: 2000, month: 1, day: 1)!
            identity.validUntil = .until(CivilDate(year: 2020, month: 1, day: 1)!)
        case "under-age":
            // Born 2015-06-01; check character computed by GB 11643 for this sample.
            let body = "11010520150601003"
            let number = body + String(IDNumberValidator.checkCharacter(for: body.compactMap(\.wholeNumberValue)))
            identity.birthDate = CivilDate(year: 2015, month: 6, day: 1)!
            identity.idNumber = PersonalText(number, kind: .idNumber)
        default:
            return nil
        }
        return IDReaderSimulatorCard(identity: identity)
    }
}
