import Foundation
import KioskCore
import KioskDaemon
import KioskDevices
import KioskDocuments
import KioskIO
import KioskSimulators

/// Licence figures (docs/ARCHITECTURE.md §13 "licence submit → completed no slower than lp"):
/// 1. render time of the A3 original (pure, in-process);
/// 2. submit → completed through our driver vs CUPS's `lp`, on the same private cupsd + ippeveprinter queue,
///    interleaved round by round; both waited for with the same IPP supervision, so the difference is the
///    submission path (libcups in-process, UUID/job-id hooks, device confirmation) against spawning `lp`.
enum LicenceBench {
    static let renderRounds = 200
    static let printRounds = 15

    static func run() -> Int32 {
        let licence: BusinessLicence
        do {
            licence = try JSONDecoder().decode(BusinessLicence.self, from: Data(sampleJSON.utf8))
        } catch {
            print("LicenceBench: sample licence does not decode: \(error)")
            return 1
        }
        // 1. Render, with the default fonts as the daemon does (subsets embedded, docs/ARCHITECTURE.md §4.8) and
        // with the STSong-Light reference.
        let fonts: PDFFontSet
        do {
            fonts = try LicenceFontConfig().load(file: "(defaults)")
        } catch {
            print("LicenceBench: the default licence fonts do not load: \(error)")
            return 1
        }
        var pdf: [UInt8] = []
        for (label, set) in [("embedded subsets", fonts), ("STSong-Light reference", PDFFontSet([.standardSong]))] {
            var renderTimes: [Double] = []
            for _ in 0..<renderRounds {
                let start = ContinuousClock.now
                do {
                    pdf = try LicenceRenderer.render(licence, copy: .original, fonts: set)
                } catch {
                    print("LicenceBench: render failed: \(error)")
                    return 1
                }
                renderTimes.append(milliseconds(ContinuousClock.now - start))
            }
            print(
                "render A3 original (\(label)): median \(format(median(renderTimes))) ms, p95 \(format(percentile(renderTimes, 0.95))) ms over \(renderRounds) renders, \(pdf.count) bytes"
            )
        }
        pdf = (try? LicenceRenderer.render(licence, copy: .original, fonts: fonts)) ?? pdf
        let qrStart = ContinuousClock.now
        for _ in 0..<renderRounds { _ = try? QRCode.encode(text: licence.qrPayload, errorCorrection: .medium) }
        print(
            "QR encode (licence URL, level M): \(format(milliseconds(ContinuousClock.now - qrStart) / Double(renderRounds))) ms each"
        )

        // 2. Print latency.
        guard PrivateCUPS.isAvailable else {
            print("LicenceBench: print latency skipped — \(PrivateCUPS.reasonUnavailable ?? "")")
            return 1
        }
        let cups: PrivateCUPS
        do {
            cups = try PrivateCUPS.startBlocking()
        } catch {
            print("LicenceBench: \(error)")
            return 1
        }
        defer { cups.stop() }
        let file = cups.directory.appendingPathComponent("bench-licence.pdf")
        do {
            try Data(pdf).write(to: file)
        } catch {
            print("LicenceBench: cannot write \(file.path): \(error)")
            return 1
        }
        let document = pdf
        let path = file.path
        let result = runBlocking { await printLatency(cups: cups, pdf: document, file: path) }
        return result
    }

    static func printLatency(cups: PrivateCUPS, pdf: [UInt8], file: String) async -> Int32 {
        let printer = LicencePrinter(queue: cups.queue, server: cups.socketPath)
        var ours: [Double] = []
        var lp: [Double] = []
        // One warm-up of each (first job loads filters and the PPD cache).
        for round in 0...printRounds {
            let start = ContinuousClock.now
            do {
                let job = try await printer.submit(
                    document: pdf, jobUUID: UUID().uuidString, options: LicencePrintOptions(copy: .original),
                    willSend: { _ in }, didCreate: { _ in })
                let outcome = await printer.supervise(jobID: job.jobID ?? 0, deadline: .after(seconds: 60))
                guard outcome == .completed else {
                    print("LicenceBench: driver job ended \(outcome)")
                    return 1
                }
            } catch {
                print("LicenceBench: driver submit failed: \(error)")
                return 1
            }
            if round > 0 { ours.append(milliseconds(ContinuousClock.now - start)) }

            let lpStart = ContinuousClock.now
            guard let id = runLP(cups: cups, file: file) else { return 1 }
            let outcome = await printer.supervise(jobID: id, deadline: .after(seconds: 60))
            guard outcome == .completed else {
                print("LicenceBench: lp job ended \(outcome)")
                return 1
            }
            if round > 0 { lp.append(milliseconds(ContinuousClock.now - lpStart)) }
        }
        let ratio = median(ours) / median(lp)
        print("submit → completed, driver: median \(format(median(ours))) ms, p95 \(format(percentile(ours, 0.95))) ms")
        print("submit → completed, lp:     median \(format(median(lp))) ms, p95 \(format(percentile(lp, 0.95))) ms")
        print("ratio driver/lp (median): \(format(ratio)) (target ≤ 1.0) over \(printRounds) interleaved rounds")
        print(
            "sheets printed by the simulated printer: \(cups.printedSheetCount()) (expected \(2 * (printRounds + 1)))")
        return ratio <= 1.0 ? 0 : 1
    }

    /// `lp -d QUEUE -o media=... FILE` against the private cupsd; the job id from "request id is QUEUE-N".
    static func runLP(cups: PrivateCUPS, file: String) -> Int? {
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in cups.environment { environment[key] = value }
        do {
            let child = try ChildProcess(
                "/usr/bin/lp",
                [
                    "-d", cups.queue, "-o", "media=iso_a3_297x420mm", "-o", "sides=one-sided", "-o", "print-quality=5",
                    file,
                ],
                environment: environment)
            guard child.waitForExit(deadline: .after(seconds: 30)), child.exitStatus == 0,
                let range = child.output.range(of: "request id is \(cups.queue)-"),
                let id = Int(child.output[range.upperBound...].prefix { $0.isNumber })
            else {
                print("LicenceBench: lp failed: \(child.output)")
                return nil
            }
            return id
        } catch {
            print("LicenceBench: cannot run lp: \(error)")
            return nil
        }
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) * 1000 + Double(parts.attoseconds) / 1e15
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }

    static let sampleJSON = """
        {"creditCode": "91110108551385082Q", "name": "北京示例信息技术有限公司", "entityType": "有限责任公司(法人独资)",
         "legalRepresentative": "赵六", "registeredCapital": "壹仟万元整", "establishedOn": "2010-05-20",
         "businessTermFrom": "2010-05-20", "businessTermUntil": "2040-05-19", "address": "北京市海淀区示例路88号",
         "businessScope": "技术开发、技术推广、技术转让、技术咨询、技术服务；软件开发；计算机系统服务；数据处理；基础软件服务；应用软件服务；销售计算机、软件及辅助设备、电子产品、通讯设备。（市场主体依法自主选择经营项目，开展经营活动；依法须经批准的项目，经相关部门批准后依批准的内容开展经营活动。）",
         "registrationAuthority": "北京市海淀区市场监督管理局", "issuedOn": "2024-04-01",
         "qrPayload": "https://www.gsxt.gov.cn/licence?code=91110108551385082Q"}
        """
}
