/// A command line split into positionals, `--key value` options and `--flag` switches.
///
/// Each command declares which keys take a value and which are switches, so a typo is a usage error, not a silently
/// ignored word.
struct Arguments {
    var positionals: [String] = []
    var values: [String: String] = [:]
    var flags: Set<String> = []

    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    /// Parses `arguments` where `valued` lists options that take a value and `switches` those that do not
    /// (both without the leading `--`).
    init(_ arguments: [String], valued: Set<String> = [], switches: Set<String> = []) throws(UsageError) {
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            guard word.hasPrefix("--"), word.count > 2 else {
                positionals.append(word)
                continue
            }
            var key = String(word.dropFirst(2))
            var inlineValue: String?
            if let eq = key.firstIndex(of: "=") {
                inlineValue = String(key[key.index(after: eq)...])
                key = String(key[..<eq])
            }
            if valued.contains(key) {
                if let inlineValue {
                    values[key] = inlineValue
                } else {
                    guard index < arguments.count else { throw UsageError(description: "--\(key) needs a value") }
                    values[key] = arguments[index]
                    index += 1
                }
            } else if switches.contains(key), inlineValue == nil {
                flags.insert(key)
            } else {
                throw UsageError(description: "unknown option --\(key)")
            }
        }
    }

    /// The value of `--key` as an integer, or nil when absent.
    func integer(_ key: String) throws(UsageError) -> Int? {
        guard let text = values[key] else { return nil }
        guard let value = Int(text) else {
            throw UsageError(description: "--\(key) expects a whole number, got '\(text)'")
        }
        return value
    }

    /// The value of `--key` as seconds, or nil when absent.
    func seconds(_ key: String) throws(UsageError) -> Double? {
        guard let text = values[key] else { return nil }
        guard let value = Double(text), value > 0, value.isFinite else {
            throw UsageError(description: "--\(key) expects a positive number of seconds, got '\(text)'")
        }
        return value
    }
}
