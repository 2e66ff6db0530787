import Foundation
import KioskCore
import KioskDocuments
import KioskIO
import KioskProtocols
import KioskSimulators
import Testing

@testable import KioskDevices

/// Profiles with short timeouts so fault tests finish quickly; behaviour is the same as the built-ins.
func testProfile(_ base: PrinterProfile = .generic80, statusTimeout: Int = 500) -> PrinterProfile {
    var profile = base
    profile.statusTimeoutMilliseconds = statusTimeout
    profile.writeTimeoutMilliseconds = 2000
    profile.idlePollIntervalMilliseconds = 60_000
    return profile
}

func endpoint(of simulator: ESCPOSPrinterSimulator) -> PrinterEndpoint {
    switch simulator.endpoint {
    case .tcp(let host, let port): .tcp(host: host, port: port)
    case .pty(let path): .serial(path: path, baudRate: 115200)
    }
}

func sampleReceipt(paper: PaperWidth = .mm80) -> PrinterJob {
    let content = ReceiptContent(
        terminalID: "KIOSK-0001", time: Date(timeIntervalSince1970: 1_772_328_615),
        timeZone: TimeZone(secondsFromGMT: 8 * 3600)!, transactionNumber: "T20260301-0001",
        applicant: PersonalText("张三", kind: .name), enterpriseName: "北京示例科技有限公司",
        creditCode: "91110000600037341L", printedItems: ["营业执照正本 1 份"],
        qrPayload: "https://kiosk.example/t/T20260301-0001")
    return PrinterJob(
        title: "receipt T20260301-0001", bytes: ReceiptLayout.render(content, paper: paper, cut: .partialAfterFeed(0)))
}

struct ReceiptPrinterTests {
    @Test func print_overTCP_printsChineseReceiptWithQRAndCut() async throws {
        let simulator = try ESCPOSPrinterSimulator.startTCP()
        defer { simulator.stop() }
        let printer = ReceiptPrinter(
            configuration: PrinterConfiguration(endpoint: endpoint(of: simulator), profile: testProfile()))
        let result = await printer.print(sampleReceipt())
        #expect(result == .printed)
        #expect(simulator.waitForDocuments(1, deadline: .after(seconds: 5)))
        let document = try #require(simulator.documents.first)
        #expect(document.lines.first == "营业执照自助打印回执")
        #expect(document.lines.contains("企业名称：北京示例科技有限公司"))
        #expect(document.lines.contains { $0.hasPrefix("申请人") && $0.hasSuffix("张*") })
        #expect(!document.text.contains("张三"))
        #expect(document.qrPayloads == ["https://kiosk.example/t/T20260301-0001"])
        #expect(document.cut == .partial)
        #expect(await printer.health == DeviceHealth(.ready))
        await printer.close()
    }

    @Test func print_overPTY_printsAt58mm() async throws {
        let simulator = try ESCPOSPrinterSimulator.startPTY()
        defer { simulator.stop() }
        let printer = ReceiptPrinter(
            configuration: PrinterConfiguration(endpoint: endpoint(of: simulator), profile: testProfile(.generic58)))
        #expect(await printer.print(sampleReceipt(paper: .mm58)) == .printed)
        #expect(simulator.waitForDocuments(1, deadline: .after(seconds: 5)))
        let document = try #require(simulator.documents.first)
        #expect(document.lines.contains("统一社会信用代码"))
        #expect(document.lines.contains("91110000600037341L"))
        #expect(document.lines.first == "营业执照自助打印")  // double width: 16 cells per line
        #expect(document.lines.allSatisfy { ESCPOSText.cellWidth(of: $0) <= 32 })
        await printer.close()
    }

    static let blockingFaults: [(ESCPOSSimulatorFault, String)] = [
        (.paperEnd, "paper-end"), (.coverOpen, "cover-open"), (.cutterError, "cutter-error"),
        (.offline, "offline"), (.unrecoverableError, "unrecoverable-error"),
    ]

    @Test(arguments: blockingFaults, [false, true])
    func print_blockingFault_failsBeforeSendingAndFaultsHealth(fault: (ESCPOSSimulatorFault, String), overPTY: Bool)
        async throws
    {
        let (fault, reason) = fault
        let simulator = try overPTY ? ESCPOSPrinterSimulator.startPTY() : ESCPOSPrinterSimulator.startTCP()
        defer { simulator.stop() }
        simulator.setFault(fault, true)
        let printer = ReceiptPrinter(
            configuration: PrinterConfiguration(endpoint: endpoint(of: simulator), profile: testProfile()))
        let result = await printer.print(sampleReceipt())
        guard case .failed(let problem) = result else {
            Issue.record("expected failed, got \(result)")
            return
        }
        #expect(problem.reason == reason)
        #expect(problem.message.contains("nothing was sent"))
        #expect(simulator.documents.isEmpty && simulator.documentInProgress.isEmpty)
        #expect(simulator.droppedBytes == 0)
        let health = await printer.health
        #expect(health.state == .faulted)
        #expect(health.reasons.contains(reason))
        await printer.close()
    }

    @Test func print_afterFaultCleared_printsTheSameJob() async throws {
        let simulator = try ESCPOSPrinterSimulator.startTCP()
        defer { simulator.stop() }
        simulator.setFault(.paperEnd, true)
        let printer = ReceiptPrinter(
            configuration: PrinterConfiguration(endpoint: endpoint(of: simulator), profile: testProfile()))
        let job = sampleReceipt()
        guard case .failed = await printer.print(job) else { Issue.record("expected failed"); return }
        simulator.setFault(.paperEnd, false)
        #expect(await printer.print(job) == .printed)
        #expect(simulator.waitForDocuments(1, deadline: .after(seconds: 5)))
        #expect(simulator.documents.count == 1)
        #expect(await printer.health == DeviceHealth(.ready))
        await printer.close()
    }

    @Test func print_paperNearEnd_printsAndDegrades() async throws {
        let simulator = try ESCPOSPrinterSimulator.startTCP()
        defer { simulator.stop() }
        simulator.setFault(.paperNearEnd, true)
        let printer = ReceiptPrinter(
            configuration: PrinterConfiguration(endpoint: endpoint(of: simulator), profile: testProfile()))
        #expect(await printer.print(sampleReceipt()) == .printed)
        #expect(await printer.health == DeviceHealth(.degraded, reasons: ["paper-near-end"]))
        await printer.close()
    }

    @Test func print_paperRunsOutMidJob_isUnknownNotFailed() async throws {
        let simulator = try ESCPOSPrinterSimulator.startTCP()
        defer { simulator.stop() }
        simulator.runOutOfPaper(afterLines: 3)
        let printer = ReceiptPrinter(
            configuration: PrinterConfiguration(endpoint: endpoint(of: simulator), profile: testProfile()))
        let result = await printer.print(sampleReceipt())
        guard case .unknown(let problem) = result else {
            Issue.record("expected unknown, got \(result)")
            return
        }
        #expect(problem.reason == "paper-end")
        #expect(simulator.documents.isEmpty)
        #expect(simulator.documentInProgress.lines.count == 3)
        #expect(await printer.health.reasons.contains("paper-end"))
        await printer.close()
    }

    @Test func print_printerNotAnswering_failsWithStatusTimeout() async throws {
        let simulator = try ESCPOSPrinterSimulator.startTCP()
        defer { simulator.stop() }
        simulator.setResponding(false)
        let printer = ReceiptPrinter(
            configuration: PrinterConfiguration(
                endpoint: endpoint(of: simulator), profile: testProfile(statusTimeout: 150)))
        let result = await printer.print(sampleReceipt())
        guard case .failed(let problem) = result else {
            Issue.record("expected failed, got \(result)")
            return
        }
        #expect(problem.reason == "status-timeout")
        #expect(simulator.documents.isEmpty && simulator.documentInProgress.isEmpty)
        #expect(await printer.health == DeviceHealth(.disconnected, reasons: ["not-responding"]))
        await printer.close()
    }

    @Test func print_nobodyListening_failsDisconnected() async throws {
        let listener = try SocketListener.tcp(port: 0)
        let port = try #require(listener.port)
        listener.close()
        let printer = ReceiptPrinter(
            configuration: PrinterConfiguration(endpoint: .tcp(host: "127.0.0.1", port: port), profile: testProfile()))
        let result = await printer.print(sampleReceipt())
        guard case .failed(let problem) = result else {
            Issue.record("expected failed, got \(result)")
            return
        }
        #expect(problem.reason == "disconnected")
        #expect(await printer.health == DeviceHealth(.disconnected, reasons: ["disconnected"]))
    }

    @Test func print_afterPrinterDroppedConnection_reconnectsAndPrints() async throws {
        let simulator = try ESCPOSPrinterSimulator.startTCP()
        defer { simulator.stop() }
        let printer = ReceiptPrinter(
            configuration: PrinterConfiguration(endpoint: endpoint(of: simulator), profile: testProfile()))
        #expect(await printer.refreshStatus() == DeviceHealth(.ready))
        simulator.dropConnection()
        #expect(await printer.print(sampleReceipt()) == .printed)
        #expect(simulator.connectionCount == 2)
        await printer.close()
    }

    @Test func pollIfIdle_isRateLimited() async throws {
        let simulator = try ESCPOSPrinterSimulator.startTCP()
        defer { simulator.stop() }
        let printer = ReceiptPrinter(
            configuration: PrinterConfiguration(endpoint: endpoint(of: simulator), profile: testProfile()))
        await printer.pollIfIdle()
        await printer.pollIfIdle()
        await printer.pollIfIdle()
        // One poll = one DLE EOT 1–4 round (4 requests); the next two fall inside the 60 s interval.
        #expect(simulator.statusRequests == 4)
        await printer.close()
    }

    @Test func pollIfIdle_reportsFaultSetWhileIdle() async throws {
        let simulator = try ESCPOSPrinterSimulator.startTCP()
        defer { simulator.stop() }
        let printer = ReceiptPrinter(
            configuration: PrinterConfiguration(endpoint: endpoint(of: simulator), profile: testProfile()))
        #expect(await printer.refreshStatus() == DeviceHealth(.ready))
        simulator.setFault(.coverOpen, true)
        #expect(await printer.refreshStatus() == DeviceHealth(.faulted, reasons: ["cover-open"]))
        #expect(await printer.lastStatus?.contains(.coverOpen) == true)
        await printer.close()
    }

    @Test func run_pollsThenStopsOnCancellation() async throws {
        let simulator = try ESCPOSPrinterSimulator.startTCP()
        defer { simulator.stop() }
        var profile = testProfile()
        profile.idlePollIntervalMilliseconds = 50
        let printer = ReceiptPrinter(
            configuration: PrinterConfiguration(endpoint: endpoint(of: simulator), profile: profile))
        let loop = Task { await printer.run() }
        #expect(await simulator.waitAsync(until: .after(seconds: 5)) { $0.statusRequests >= 8 })
        loop.cancel()
        await loop.value
        #expect(await printer.health == DeviceHealth(.ready))
    }

    @Test func selfTest_reportsHealthAndStatus() async throws {
        let simulator = try ESCPOSPrinterSimulator.startTCP()
        defer { simulator.stop() }
        simulator.setFault(.paperNearEnd, true)
        let printer = ReceiptPrinter(
            configuration: PrinterConfiguration(endpoint: endpoint(of: simulator), profile: testProfile()))
        let report = await printer.selfTest()
        #expect(report.health == DeviceHealth(.degraded, reasons: ["paper-near-end"]))
        #expect(report.status == PrinterStatus([.paperNearEnd]))
        #expect(report.deviceID == nil)
        await printer.close()
    }

    @Test func profile_byUSBProduct_findsCustomK80() {
        #expect(PrinterProfile.forUSB(vendorID: 0x0DD4, productID: 0x0237)?.name == "custom-kiosk-80")
        #expect(PrinterProfile.forUSB(vendorID: 0x04B8, productID: 0x0202) == nil)
        #expect(PrinterProfile.named("kpm-ticket-80")?.presenter?.status == .ejectorStatus)
    }

    @Test func endpoint_parsesConfigForms() {
        #expect(PrinterEndpoint(parsing: "tcp:192.168.1.50:9100") == .tcp(host: "192.168.1.50", port: 9100))
        #expect(PrinterEndpoint(parsing: "serial:/dev/ttyS0@9600") == .serial(path: "/dev/ttyS0", baudRate: 9600))
        #expect(PrinterEndpoint(parsing: "serial:/dev/ttyS0") == .serial(path: "/dev/ttyS0", baudRate: 115200))
        #expect(PrinterEndpoint(parsing: "usblp:/dev/usb/lp0") == .usblp(path: "/dev/usb/lp0"))
        #expect(
            PrinterEndpoint(parsing: "usb:0dd4:0237") == .usb(USBDeviceSelector(vendorID: 0x0DD4, productID: 0x0237)))
        #expect(PrinterEndpoint(parsing: "tcp:host") == nil)
        #expect(PrinterEndpoint(parsing: "serial:/dev/ttyS0@12345") == nil)
        #expect(PrinterEndpoint(parsing: "ftp:x") == nil)
    }
}
