import Foundation

/// The body of `POST /v1/transactions/ack`. Foundation only, so scripts/fuzz.sh builds it on its own.
enum AckBody {
    /// The largest `upTo` taken: beyond it a JSON number is no longer an exact integer in a double.
    static let maximum: Int64 = 1 << 53

    /// `N` from `{"upTo": N}` with N a non-negative integer (not a boolean, a fraction or a string) and no other
    /// key; nil for anything else.
    static func upTo(_ body: [UInt8]) -> Int64? {
        guard body.count <= 4096,
            let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], object.count == 1,
            let number = object["upTo"] as? NSNumber, String(cString: number.objCType) != "c"
        else { return nil }
        let value = number.doubleValue
        guard value >= 0, value <= Double(maximum), value.rounded() == value else { return nil }
        // An integer literal past 2^53 can round to a double that passes; check the integer itself too.
        let integer = number.int64Value
        guard integer >= 0, integer <= maximum, Double(integer) == value else { return nil }
        return integer
    }
}
