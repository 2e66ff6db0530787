import Foundation
import KioskCore

/// `kioskctl validate id NUMBER` and `kioskctl validate uscc CODE`.
/// Exit 0 and "valid" for a valid value; exit 1 and the reason for an invalid one; exit 2 for a usage error.
enum ValidateCommand {
    /// Longer input is refused before it is looked at.
    static let maximumInputLength = 256

    static func run(_ arguments: [String]) -> Int32 {
        guard arguments.count == 2 else {
            return KioskCtl.usageError("validate takes a kind (id or uscc) and one value")
        }
        let value = arguments[1]
        guard value.utf8.count <= maximumInputLength else {
            return KioskCtl.failure(
                "invalid: input is \(value.utf8.count) bytes; at most \(maximumInputLength) are accepted")
        }
        switch arguments[0] {
        case "id": return validateID(value)
        case "uscc": return validateCreditCode(value)
        default: return KioskCtl.usageError("unknown kind '\(arguments[0])'; use id or uscc")
        }
    }

    private static func validateID(_ value: String) -> Int32 {
        switch IDNumberValidator.validate(value, today: Today.civilDate(now: Date())) {
        case .success(let valid):
            Console.line("valid (\(valid.kind.rawValue))")
            return 0
        case .failure(let error):
            Console.line("invalid: \(error)")
            return 1
        }
    }

    private static func validateCreditCode(_ value: String) -> Int32 {
        switch CreditCodeValidator.validate(value) {
        case .success(let valid):
            Console.line(
                valid.organisationCodeMismatch
                    ? "valid (warning: the embedded organisation code (characters 9–17) fails its GB 11714 check)"
                    : "valid")
            return 0
        case .failure(let error):
            Console.line("invalid: \(error)")
            return 1
        }
    }
}
