/// A configuration problem: which file, which key (dotted path), what was expected and what was found.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public let file: String
    public let keyPath: String
    public let problem: String

    public var description: String {
        keyPath.isEmpty ? "config \(file): \(problem)" : "config \(file): \(keyPath): \(problem)"
    }
}
