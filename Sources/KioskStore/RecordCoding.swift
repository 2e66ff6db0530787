import Foundation
import KioskCore

/// The JSON the store writes for records (in `transactions.record_json` and the outbox payload): sorted keys, dates as
/// integer Unix milliseconds, like every time in the schema. A record read back equals the one written to the
/// millisecond.
enum RecordCoding {
    static func encode<T: Encodable>(_ value: T) throws(StoreError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.unixMilliseconds)
        }
        do {
            return try encoder.encode(value)
        } catch {
            throw .invalidArgument("the \(T.self) cannot be encoded as JSON: \(error)")
        }
    }

    /// One decoder for every read (`JSONDecoder` may decode on several threads at once). Dates with the built-in
    /// milliseconds strategy, which gives the same `Date` for the integers written as `Date(unixMilliseconds:)` does;
    /// a decoder per call and a custom date closure were a third of the pull API's page time.
    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()

    static func decode<T: Decodable>(_ type: T.Type, from data: Data, what: String) throws(StoreError) -> T {
        do {
            return try decoder.decode(type, from: data)
        } catch {
            throw .undecodable(what: what, detail: summary(of: error))
        }
    }

    /// Where decoding failed, by key path only: the values themselves may be personal data.
    private static func summary(of error: any Error) -> String {
        guard let error = error as? DecodingError else { return "not valid JSON" }
        let (problem, context): (String, DecodingError.Context) =
            switch error {
            case .typeMismatch(_, let c): ("wrong type", c)
            case .valueNotFound(_, let c): ("missing value", c)
            case .keyNotFound(let key, let c): ("missing key '\(key.stringValue)'", c)
            case .dataCorrupted(let c): ("malformed", c)
            @unknown default: ("unreadable", DecodingError.Context(codingPath: [], debugDescription: ""))
            }
        let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        return path.isEmpty ? problem : "\(problem) at \(path)"
    }
}
