import Foundation

/// Walks a parsed JSON object, remembering the key path so every error names the exact key and what it wanted.
/// Unknown keys are errors too: a misspelt key silently ignored is how kiosks end up misconfigured.
struct ConfigReader {
    let file: String
    let path: String
    private let object: [String: Any]
    private let allowed: Set<String>

    init(file: String, path: String, object: [String: Any], allowed: Set<String>) throws(ConfigError) {
        self.file = file
        self.path = path
        self.object = object
        self.allowed = allowed
        for key in object.keys.sorted() where !allowed.contains(key) {
            throw ConfigError(
                file: file, keyPath: join(key),
                problem: "unknown key; expected one of \(allowed.sorted().joined(separator: ", "))")
        }
    }

    func join(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, _ problem: String) -> ConfigError {
        ConfigError(file: file, keyPath: join(key), problem: problem)
    }

    func has(_ key: String) -> Bool { object[key] != nil && !(object[key] is NSNull) }

    /// Refuses any key present but not in `allowed` (a subset of those the reader was made with), naming it.
    func refuseKeys(notIn allowed: Set<String>, because reason: String) throws(ConfigError) {
        for key in object.keys.sorted() where !allowed.contains(key) {
            throw error(key, "\(reason); expected only \(allowed.sorted().joined(separator: ", "))")
        }
    }

    func string(_ key: String, default fallback: String? = nil, maxLength: Int = 4096) throws(ConfigError) -> String {
        guard has(key) else {
            if let fallback { return fallback }
            throw error(key, "missing; expected a string")
        }
        guard let value = object[key] as? String else {
            throw error(key, "expected a string, got \(describe(object[key]))")
        }
        guard !value.isEmpty else { throw error(key, "must not be empty") }
        guard value.utf8.count <= maxLength else { throw error(key, "longer than \(maxLength) bytes") }
        return value
    }

    func optionalString(_ key: String) throws(ConfigError) -> String? {
        has(key) ? try string(key) : nil
    }

    func integer(_ key: String, in range: ClosedRange<Int>, default fallback: Int? = nil) throws(ConfigError) -> Int {
        guard has(key) else {
            if let fallback { return fallback }
            throw error(key, "missing; expected a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        let expected = "expected a whole number in \(range.lowerBound)...\(range.upperBound)"
        guard let number = object[key] as? NSNumber, !isBoolean(object[key]) else {
            throw error(key, "\(expected), got \(describe(object[key]))")
        }
        guard let value = Int(exactly: number.doubleValue) else { throw error(key, "\(expected), got \(number)") }
        guard range.contains(value) else {
            throw error(key, "expected a whole number in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    func seconds(_ key: String, in range: ClosedRange<Double>, default fallback: Double) throws(ConfigError) -> Duration
    {
        guard has(key) else { return .milliseconds(Int64(fallback * 1000)) }
        guard let number = object[key] as? NSNumber, !isBoolean(object[key]) else {
            throw error(
                key,
                "expected a number of seconds in \(range.lowerBound)...\(range.upperBound), got \(describe(object[key]))"
            )
        }
        let value = number.doubleValue
        guard range.contains(value) else {
            throw error(key, "expected seconds in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return .milliseconds(Int64(value * 1000))
    }

    func bool(_ key: String, default fallback: Bool) throws(ConfigError) -> Bool {
        guard has(key) else { return fallback }
        guard isBoolean(object[key]), let value = object[key] as? Bool else {
            throw error(key, "expected true or false, got \(describe(object[key]))")
        }
        return value
    }

    func oneOf(_ key: String, _ choices: [String], default fallback: String? = nil) throws(ConfigError) -> String {
        let value = try string(key, default: fallback)
        guard choices.contains(value) else {
            throw error(key, "expected one of \(choices.joined(separator: ", ")), got '\(value)'")
        }
        return value
    }

    /// An array of non-empty strings, each at most `maxLength` bytes; nil when absent.
    func optionalStrings(_ key: String, maxLength: Int = 4096) throws(ConfigError) -> [String]? {
        guard has(key) else { return nil }
        guard let values = object[key] as? [Any] else {
            throw error(key, "expected an array of strings, got \(describe(object[key]))")
        }
        var strings: [String] = []
        for (index, value) in values.enumerated() {
            guard let text = value as? String, !text.isEmpty, text.utf8.count <= maxLength else {
                throw error("\(key)[\(index)]", "expected a non-empty string of at most \(maxLength) bytes")
            }
            strings.append(text)
        }
        return strings
    }

    func child(_ key: String, allowed: Set<String>) throws(ConfigError) -> ConfigReader? {
        guard has(key) else { return nil }
        guard let object = object[key] as? [String: Any] else {
            throw error(key, "expected an object, got \(describe(object[key]))")
        }
        return try ConfigReader(file: file, path: join(key), object: object, allowed: allowed)
    }

    /// JSONSerialization gives NSNumber for numbers and booleans alike, and `is Bool` is true for 0 and 1; the
    /// Objective-C type code tells them apart ("c" for a boolean).
    private func isBoolean(_ value: Any?) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    private func describe(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: "null"
        case is String: "a string"
        case _ where isBoolean(value): "a boolean"
        case is NSNumber: "a number"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        default: "something else"
        }
    }
}
