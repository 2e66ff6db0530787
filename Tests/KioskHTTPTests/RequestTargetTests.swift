import Testing

@testable import KioskHTTP

struct RequestTargetTests {
    @Test func pathAndQuery_areSplitAndTyped() throws {
        let target = try RequestTarget.parse("/v1/transactions?after=5&limit=10")
        #expect(target.path == "/v1/transactions")
        #expect(target.segments == ["v1", "transactions"])
        #expect(target.query == [.init(name: "after", value: "5"), .init(name: "limit", value: "10")])
        #expect(try target.integer("after", default: 0, in: 0...Int64.max) == 5)
        #expect(try target.integer("limit", default: 100, in: 1...1000) == 10)
        #expect(try target.integer("absent", default: 7, in: 0...10) == 7)
    }

    @Test func rootAndTrailingSlash_keepTheirEmptySegment() throws {
        #expect(try RequestTarget.parse("/").segments == [""])
        #expect(try RequestTarget.parse("/").path == "/")
        #expect(try RequestTarget.parse("/healthz/").segments == ["healthz", ""])
        #expect(try RequestTarget.parse("/healthz?").query.isEmpty)
    }

    @Test func percentEncoding_isDecodedPerPart() throws {
        let target = try RequestTarget.parse("/a%2Fb/%E4%B8%AD?na%6De=x%3Dy%26z&q=a+b%2B")
        #expect(target.segments == ["a/b", "中"])
        #expect(target.path == "/a/b/中")
        #expect(try target.value("name") == "x=y&z")
        #expect(try target.value("q") == "a b+")
    }

    @Test func emptyPairsAreSkipped_bareNamesHaveNoValue() throws {
        let target = try RequestTarget.parse("/x?&&flag&k=&")
        #expect(target.query == [.init(name: "flag", value: nil), .init(name: "k", value: "")])
        #expect(throws: RequestTarget.QueryError.missingValue(name: "flag")) { try target.value("flag") }
        #expect(try target.value("k") == "")
    }

    @Test func malformedTargets_areRefusedWithTheReason() {
        let cases: [(String, RequestTarget.ParseError)] = [
            ("", .empty),
            ("*", .notOriginForm),
            ("http://example.com/", .notOriginForm),
            ("/a b", .invalidCharacter(offset: 2)),
            ("/a#frag", .invalidCharacter(offset: 2)),
            ("/a\"", .invalidCharacter(offset: 2)),
            ("/%zz", .badPercentEncoding(offset: 1)),
            ("/%4", .badPercentEncoding(offset: 1)),
            ("/x?a=%", .badPercentEncoding(offset: 5)),
            ("/%FF", .undecodable),
            ("/%00", .undecodable),
            ("/x?a=%0A", .undecodable),
            ("/..", .dotSegment),
            ("/a/./b", .dotSegment),
            ("/%2e%2E/etc", .dotSegment),
            ("/" + String(repeating: "a", count: 2048), .tooLong(limit: 2048)),
            (String(repeating: "/a", count: 33), .tooManySegments(limit: 32)),
            ("/x?" + (0..<33).map { "k\($0)=1" }.joined(separator: "&"), .tooManyQueryItems(limit: 32)),
        ]
        for (text, expected) in cases {
            #expect(throws: expected, "\(text.prefix(40).debugDescription)") { try RequestTarget.parse(text) }
        }
    }

    @Test func integers_areStrictDecimalInRange() throws {
        func limit(_ text: String) throws(RequestTarget.QueryError) -> Int64 {
            guard let target = try? RequestTarget.parse("/v1/transactions?limit=" + text) else {
                Issue.record("target did not parse")
                return -1
            }
            return try target.integer("limit", default: 100, in: 1...1000)
        }
        #expect(try limit("1000") == 1000)
        #expect(try limit("0001") == 1)
        for bad in ["", "%2B5", "5%20", "0x10", "1e3", "%E4%BA%94", "-", "99999999999999999999"] {
            #expect(throws: RequestTarget.QueryError.self, "limit=\(bad)") { try limit(bad) }
        }
        #expect(throws: RequestTarget.QueryError.outOfRange(name: "limit", range: 1...1000)) { try limit("1001") }
        #expect(throws: RequestTarget.QueryError.outOfRange(name: "limit", range: 1...1000)) { try limit("-1") }
        #expect(throws: RequestTarget.QueryError.outOfRange(name: "limit", range: 1...1000)) { try limit("0") }
        #expect(RequestTarget.decimal("9223372036854775807") == Int64.max)
        #expect(RequestTarget.decimal("9223372036854775808") == nil)
        #expect(RequestTarget.decimal("-9223372036854775807") == -Int64.max)
    }

    @Test func repeatedParameter_isAmbiguousAndRefused() throws {
        let target = try RequestTarget.parse("/v1/transactions?after=1&after=2")
        #expect(throws: RequestTarget.QueryError.repeated(name: "after")) {
            try target.integer("after", default: 0, in: 0...Int64.max)
        }
    }
}
