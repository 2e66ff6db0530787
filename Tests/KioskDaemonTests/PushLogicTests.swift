import Foundation
import KioskHTTP
import Testing

@testable import KioskDaemon

/// The pusher's pure decisions: which answers retry, and how long it waits.
struct PushLogicTests {
    @Test func statuses_deliveredRetriedOrRejected() {
        for status in [200, 202, 204] {
            guard case .delivered = Pusher.classify(status: status, retryAfterSeconds: nil) else {
                Issue.record("\(status) should acknowledge")
                continue
            }
        }
        for status in [408, 429, 500, 502, 503, 599] {
            guard case .retry(_, let after) = Pusher.classify(status: status, retryAfterSeconds: 7) else {
                Issue.record("\(status) should retry")
                continue
            }
            #expect(after == 7)
        }
        for status in [301, 400, 401, 403, 404, 409, 413, 415, 422] {
            guard case .rejected = Pusher.classify(status: status, retryAfterSeconds: nil) else {
                Issue.record("\(status) should stop the push")
                continue
            }
        }
    }

    @Test func backoff_doublesFromOneSecondToFiveMinutes_withFullJitter() {
        var ceilings: [Double] = []
        for attempt in 1...12 {
            _ = PushBackoff.delay(attempt: attempt, retryAfterSeconds: nil) { range in
                #expect(range.lowerBound == 0)
                ceilings.append(range.upperBound)
                return range.upperBound
            }
        }
        #expect(ceilings == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300])
        #expect(PushBackoff.delay(attempt: 1, retryAfterSeconds: nil) { _ in 0 } == .zero)
        #expect(PushBackoff.delay(attempt: 1000, retryAfterSeconds: nil) { $0.upperBound } == .seconds(300))
    }

    @Test func backoff_neverShorterThanRetryAfter_capped() {
        #expect(PushBackoff.delay(attempt: 1, retryAfterSeconds: 30) { _ in 0.5 } == .seconds(30))
        #expect(PushBackoff.delay(attempt: 9, retryAfterSeconds: 2) { _ in 100 } == .seconds(100))
        #expect(PushBackoff.delay(attempt: 1, retryAfterSeconds: 86400) { _ in 0 } == .seconds(300))
    }
}

/// `central.push` in the config.
struct PushConfigTests {
    private func parse(_ push: [String: Any]) throws -> DaemonConfig {
        let data = try JSONSerialization.data(withJSONObject: ["kioskID": "PUSH-01", "central": ["push": push]])
        return try DaemonConfig.parse(data, file: "kioskd.json")
    }

    @Test func fullPush_isRead() throws {
        let pin = String(repeating: "ab", count: 32)
        let config = try parse([
            "url": "https://centre.example:8443/v1/events", "tokenFile": "/etc/kioskd/push-token",
            "tls": ["pinSHA256": pin], "batchSize": 50,
        ])
        let push = try #require(config.central.push)
        #expect(push.url == HTTPSURL(host: "centre.example", port: 8443, resource: "/v1/events"))
        #expect(push.tokenFile == "/etc/kioskd/push-token")
        #expect(push.verification == .pinSHA256([UInt8](repeating: 0xAB, count: 32)))
        #expect(push.batchSize == 50)
    }

    @Test func defaults_systemTrustAndBatchesOf100() throws {
        let push = try #require(try parse(["url": "https://centre.example/v1/events", "tokenFile": "/t"]).central.push)
        #expect(push.verification == .systemTrust)
        #expect(push.batchSize == 100)
        #expect(push.requestTimeout == .seconds(30))
    }

    @Test func plainHTTP_badPin_unknownKeys_areRefusedByName() {
        let cases: [([String: Any], String)] = [
            (["url": "http://centre.example/v1/events", "tokenFile": "/t"], "central.push.url"),
            (["url": "https://centre.example/", "tokenFile": "/t", "tls": ["pinSHA256": "abc"]], "pinSHA256"),
            (["url": "https://centre.example/", "tokenFile": "/t", "token": "secret"], "central.push.token"),
            (["url": "https://centre.example/", "tokenFile": "/t", "batchSize": 0], "central.push.batchSize"),
            (["url": "https://centre.example/"], "central.push.tokenFile"),
        ]
        for (push, key) in cases {
            let error = #expect(throws: ConfigError.self) { _ = try parse(push) }
            #expect(error?.description.contains(key) == true, "\(push) → \(String(describing: error))")
        }
    }
}
