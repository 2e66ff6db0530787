extension StringProtocol {
    /// The text without leading and trailing whitespace (including the ideographic space U+3000 and NUL padding).
    /// Pure Swift: cheaper than Foundation's `trimmingCharacters(in:)`, which bridges through NSString on Linux.
    public var trimmed: String {
        let isPadding: (Character) -> Bool = { $0.isWhitespace || $0 == "\0" }
        guard let first = firstIndex(where: { !isPadding($0) }) else { return "" }
        let last = lastIndex(where: { !isPadding($0) })!
        return String(self[first...last])
    }
}
