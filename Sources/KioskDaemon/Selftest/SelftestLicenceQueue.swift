import Foundation
import KioskControl
import KioskCore
import KioskDevices
import KioskDocuments
import KioskIO

/// The licence printer's selftest: by default a dry check of its CUPS queue (it exists, accepts jobs, its
/// printer-state, its error policy, the licence media among the queue's page sizes), because every real page uses a
/// sheet of pre-printed licence stock; a test page (SelftestTestPage) only when asked with `--print`.
struct SelftestLicenceQueue: Sendable {
    let printer: LicencePrinter
    let printTestPage: Bool

    static let skipped = "not printed: a dry check (--print prints one test page on licence stock)"

    func run() async -> [SelftestCheck] {
        let queue = await printer.queue
        let status: CUPSPrinterStatus
        do {
            status = try await printer.queueStatus()
        } catch {
            return [SelftestCheck(.licencePrinter, "queue", .fail, Selftest.oneLine("'\(queue)': \(error)"))]
        }
        var checks = [SelftestCheck(.licencePrinter, "queue", .pass, "'\(queue)' exists on \(printer.server)")]
        checks.append(
            status.isAcceptingJobs
                ? SelftestCheck(.licencePrinter, "accepting", .pass, "accepting jobs")
                : SelftestCheck(
                    .licencePrinter, "accepting", .fail, "rejecting jobs; after checking it: cupsaccept \(queue)"))
        let reasons = status.reasons.isEmpty ? "" : " (\(status.reasons.joined(separator: ", ")))"
        switch status.state {
        case 3: checks.append(SelftestCheck(.licencePrinter, "printer-state", .pass, "idle" + reasons))
        case 4: checks.append(SelftestCheck(.licencePrinter, "printer-state", .pass, "processing" + reasons))
        case 5:
            checks.append(
                SelftestCheck(.licencePrinter, "printer-state", .fail, "stopped\(reasons); then: cupsenable \(queue)"))
        default:
            checks.append(SelftestCheck(.licencePrinter, "printer-state", .warn, "state \(status.state)\(reasons)"))
        }
        let health = await printer.refreshHealth()
        if health.state != .ready {
            checks.append(Selftest.status(.licencePrinter, health))
        }
        checks.append(
            status.errorPolicy == LicencePrinter.recommendedErrorPolicy
                ? SelftestCheck(.licencePrinter, "error-policy", .pass, status.errorPolicy)
                : SelftestCheck(
                    .licencePrinter, "error-policy", .warn,
                    "'\(status.errorPolicy)'; set: lpadmin -p \(queue) -o printer-error-policy=retry-job"))
        checks.append(await media(queue: queue))
        guard printTestPage else {
            checks.append(SelftestCheck(.licencePrinter, "test page", .pass, Self.skipped))
            return checks
        }
        checks.append(await testPage())
        return checks
    }

    /// Whether the queue offers the sheet an original licence is printed on (A3, `LicenceCopy.original.media`),
    /// from the PageSize choices of the queue's PPD as cupsd serves it; the tray is the printer's default (no
    /// media-source is configured).
    private func media(queue: String) async -> SelftestCheck {
        let wanted = LicenceCopy.original.media
        let server = printer.server
        let ppd = await Self.offThePool { Self.fetchPPD(queue: queue, server: server) }
        guard let ppd else {
            return SelftestCheck(.licencePrinter, "media", .warn, "not checked: cupsd served no PPD for '\(queue)'")
        }
        let sizes = Self.pageSizes(ppd)
        guard !sizes.isEmpty else {
            return SelftestCheck(.licencePrinter, "media", .warn, "not checked: the queue's PPD lists no PageSize")
        }
        return sizes.contains("A3")
            ? SelftestCheck(.licencePrinter, "media", .pass, "A3 (\(wanted)) offered; tray: the printer's default")
            : SelftestCheck(
                .licencePrinter, "media", .warn,
                "A3 (\(wanted)) not among the page sizes \(sizes.joined(separator: " ")); tray: the default")
    }

    /// The PageSize choices of a PPD: `*PageSize A3/A3: "..."` → `A3`.
    static func pageSizes(_ ppd: String) -> [String] {
        ppd.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("*PageSize ") else { return nil }
            let choice = line.dropFirst("*PageSize ".count).prefix { $0 != "/" && $0 != ":" }
            return choice.isEmpty ? nil : String(choice)
        }
    }

    /// `GET /printers/QUEUE.ppd` from cupsd (its socket path, or host[:port]), as lpoptions would fetch it; nil when
    /// cupsd does not answer 200 within 5 s.
    static func fetchPPD(queue: String, server: String) -> String? {
        let deadline = Deadline.after(seconds: 5)
        let transport: DescriptorTransport
        do {
            if server.hasPrefix("/") {
                transport = try UnixSocket.connect(path: server, deadline: deadline)
            } else {
                let parts = server.split(separator: ":", maxSplits: 1)
                let port = parts.count > 1 ? UInt16(parts[1]) ?? 631 : 631
                transport = try TCPSocket.connect(host: String(parts[0]), port: port, deadline: deadline)
            }
        } catch {
            return nil
        }
        defer { transport.close() }
        let request = "GET /printers/\(queue).ppd HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        var response: [UInt8] = []
        do {
            try transport.write(Array(request.utf8), deadline: deadline)
            while response.count < 4 << 20 { response += try transport.read(upTo: 65536, deadline: deadline) }
        } catch {
            // cupsd closes the connection after the answer (Connection: close): the end of file ends the read.
        }
        let text = String(decoding: response, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 200") else { return nil }
        return text
    }

    private func testPage() async -> SelftestCheck {
        let jobUUID = "selftest-" + UUID().uuidString.lowercased()
        do {
            let job = try await printer.submit(
                document: SelftestTestPage.pdf(), jobUUID: jobUUID, options: LicencePrintOptions(copy: .original),
                willSend: { _ in }, didCreate: { _ in })
            guard let id = job.jobID else {
                return SelftestCheck(.licencePrinter, "test page", .fail, "cupsd gave no job id")
            }
            switch await printer.supervise(jobID: id, deadline: .after(seconds: 120)) {
            case .completed: return SelftestCheck(.licencePrinter, "test page", .pass, "printed (job \(id))")
            case .failed(let reason):
                return SelftestCheck(.licencePrinter, "test page", .fail, Selftest.oneLine(reason))
            case .unknown(let reason):
                return SelftestCheck(.licencePrinter, "test page", .fail, Selftest.oneLine(reason))
            }
        } catch {
            return SelftestCheck(.licencePrinter, "test page", .fail, Selftest.oneLine("not printed: \(error)"))
        }
    }

    static func verdict(_ outcome: PrintOutcome) -> SelftestCheck {
        switch outcome {
        case .completed: SelftestCheck(.licencePrinter, "test page", .pass, "printed")
        case .failed(let reason): SelftestCheck(.licencePrinter, "test page", .fail, Selftest.oneLine(reason))
        case .unknown(let reason): SelftestCheck(.licencePrinter, "test page", .fail, Selftest.oneLine(reason))
        }
    }

    /// Blocking work (a child process) on a thread of its own, never on the concurrency pool.
    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { done in
            let thread = Thread { done.resume(returning: work()) }
            thread.name = "selftest"
            thread.start()
        }
    }
}
