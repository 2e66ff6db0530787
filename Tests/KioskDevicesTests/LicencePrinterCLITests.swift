import Foundation
import KioskIO
import KioskSimulators
import Testing

/// `kioskctl direct print-licence` and `render-licence` as real processes, printing through a private cupsd.
@Suite(.serialized) struct LicencePrinterCLITests {
    /// kioskctl from the build directory that holds this test binary (or `$KIOSKCTL`).
    static func kioskctlPath() -> String? {
        if let explicit = ProcessInfo.processInfo.environment["KIOSKCTL"] { return explicit }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while url.path != "/" {
            let candidate = url.appendingPathComponent("kioskctl").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            url.deleteLastPathComponent()
        }
        return nil
    }

    /// Runs kioskctl with `arguments` off the concurrency pool; exit status and combined output.
    static func kioskctl(_ arguments: [String], seconds: Double = 60) async throws -> (Int32, String) {
        let path = try #require(kioskctlPath(), "kioskctl is not built; run swift build --build-tests")
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let child = try ChildProcess(path, arguments, environment: ProcessInfo.processInfo.environment)
                    guard child.waitForExit(deadline: .after(seconds: seconds)) else {
                        child.stop()
                        continuation.resume(returning: (-1, "timed out: " + child.output))
                        return
                    }
                    continuation.resume(returning: (child.exitStatus ?? -1, child.output))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    static func writeLicence(_ json: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("licence-\(UUID().uuidString).json")
        try Data(json.utf8).write(to: url)
        return url
    }

    static let validJSON = """
        {"creditCode": "91350100M000100Y43", "name": "福州示例餐饮店", "entityType": "个体工商户", "operator": "王五",
         "establishedOn": "2022-09-09", "businessTermFrom": "2022-09-09", "businessTermUntil": "long-term",
         "address": "福州市鼓楼区示例街3号", "businessScope": "餐饮服务。", "registrationAuthority": "福州市鼓楼区市场监督管理局",
         "issuedOn": "2024-03-03", "qrPayload": "https://www.gsxt.gov.cn/licence?code=91350100M000100Y43"}
        """

    @Test(.enabled(if: PrivateCUPSRequirement.canRun, PrivateCUPSRequirement.whyNot))
    func printLicence_cli_printsJobIDAndCompletes() async throws {
        try await withPrivateCUPS { cups, _ in
            let data = try Self.writeLicence(Self.validJSON)
            defer { try? FileManager.default.removeItem(at: data) }
            let (status, output) = try await Self.kioskctl(
                [
                    "direct", "print-licence", "--queue", cups.queue, "--data", data.path, "--copy", "duplicate",
                    "--server", cups.socketPath,
                ])
            #expect(status == 0, "\(output)")
            #expect(output.contains("job-uuid "))
            #expect(output.contains("job-id 1"))
            #expect(output.contains("state completed"))
            #expect(cups.printedSheetCount() == 1)
        }
    }

    @Test(.enabled(if: PrivateCUPSRequirement.canRun, PrivateCUPSRequirement.whyNot))
    func printLicence_cli_mediaEmpty_reportsFailedWithReason() async throws {
        try await withPrivateCUPS { cups, _ in
            cups.setFault(.mediaEmpty)
            let data = try Self.writeLicence(Self.validJSON)
            defer { try? FileManager.default.removeItem(at: data) }
            let (status, output) = try await Self.kioskctl(
                ["direct", "print-licence", "--queue", cups.queue, "--data", data.path, "--server", cups.socketPath])
            #expect(status == 1, "\(output)")
            #expect(output.contains("state failed"))
            #expect(output.contains("media-empty"))
        }
    }

    /// Refused before anything is sent: no cupsd is even needed.
    @Test func printLicence_cli_invalidCreditCode_isRefusedNamingTheField() async throws {
        let data = try Self.writeLicence(
            Self.validJSON.replacingOccurrences(of: "91350100M000100Y43\"", with: "91350100M000100Y44\""))
        defer { try? FileManager.default.removeItem(at: data) }
        let (status, output) = try await Self.kioskctl(
            [
                "direct", "print-licence", "--queue", "nowhere", "--data", data.path, "--server",
                "/nonexistent/cups.sock",
            ])
        #expect(status == 1)
        #expect(output.contains("creditCode"))
        #expect(!output.contains("job-uuid"))
    }

    @Test func printLicence_cli_missingField_isRefusedNamingTheField() async throws {
        let data = try Self.writeLicence(
            Self.validJSON.replacingOccurrences(of: "\"businessScope\": \"餐饮服务。\", ", with: ""))
        defer { try? FileManager.default.removeItem(at: data) }
        let (status, output) = try await Self.kioskctl(["direct", "print-licence", "--queue", "q", "--data", data.path])
        #expect(status == 1)
        #expect(output.contains("businessScope: missing"), "\(output)")
    }

    @Test func renderLicence_cli_writesAPDF() async throws {
        let data = try Self.writeLicence(Self.validJSON)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("licence-\(UUID().uuidString).pdf")
        defer {
            try? FileManager.default.removeItem(at: data)
            try? FileManager.default.removeItem(at: out)
        }
        let (status, output) = try await Self.kioskctl([
            "direct", "render-licence", "--data", data.path, "--out", out.path,
        ])
        #expect(status == 0, "\(output)")
        let pdf = FileManager.default.contents(atPath: out.path) ?? Data()
        #expect(Array(pdf.prefix(5)) == Array("%PDF-".utf8))
        // kioskd's fonts, embedded: the bench licence prints like a terminal's, on a host without CJK fonts too.
        let text = String(decoding: pdf, as: UTF8.self)
        #expect(text.contains("/FontFile2"), "no embedded font")
        #expect(!text.contains("STSong-Light"))
    }
}
