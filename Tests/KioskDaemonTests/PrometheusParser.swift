import Foundation
import KioskIO
import Testing

/// Reads Prometheus text with prometheus_client's own parser (Debian's python3-prometheus-client, installed by
/// scripts/install-deps.sh): what a scraper would make of our exposition, not what we think we wrote.
enum PrometheusParser {
    struct Sample: Equatable {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    struct Family {
        /// As the parser names it: a counter's family name loses its `_total`.
        let name: String
        let type: String
        let help: String
        let samples: [Sample]
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    private static let script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        out = []
        for f in text_string_to_metric_families(open(sys.argv[1], encoding="utf-8").read()):
            out.append({"name": f.name, "type": f.type, "help": f.documentation, "samples": [
                {"name": s.name, "labels": s.labels, "value": repr(float(s.value))} for s in f.samples]})
        print(json.dumps(out))
        """

    static func parse(_ text: String) throws -> [Family] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let child = try ChildProcess(
            "/usr/bin/python3", ["-c", script, file.path], environment: ["PATH": "/usr/bin:/bin"])
        guard child.waitForExit(deadline: .after(seconds: 30)) else {
            child.stop()
            throw Failure(description: "the parser hung")
        }
        guard child.exitStatus == 0 else {
            throw Failure(description: "prometheus_client refused the text: \(child.output)\n---\n\(text)")
        }
        guard let list = try JSONSerialization.jsonObject(with: Data(child.output.utf8)) as? [[String: Any]] else {
            throw Failure(description: "unexpected parser output \(child.output)")
        }
        return try list.map { family in
            let samples = try (family["samples"] as? [[String: Any]] ?? []).map { sample in
                guard let name = sample["name"] as? String, let labels = sample["labels"] as? [String: String],
                    let text = sample["value"] as? String, let value = Double(text)
                else { throw Failure(description: "unexpected sample \(sample)") }
                return Sample(name: name, labels: labels, value: value)
            }
            return Family(
                name: family["name"] as? String ?? "", type: family["type"] as? String ?? "",
                help: family["help"] as? String ?? "", samples: samples)
        }
    }
}

extension [PrometheusParser.Family] {
    /// The value of the one sample with this name and these labels; nil when there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = flatMap(\.samples).filter { $0.name == name && $0.labels == labels }
        return matching.count == 1 ? matching[0].value : nil
    }

    func samples(_ name: String) -> [PrometheusParser.Sample] { flatMap(\.samples).filter { $0.name == name } }
}
