import Foundation
import KioskCore
import KioskDaemon
import KioskDevices
import KioskDocuments
import KioskIO

/// `direct print-licence --queue NAME --data FILE.json [--copy original|duplicate] [--server SOCKET]
/// [--tray SOURCE] [--font FILE.ttf] [--timeout S]`: renders one licence, submits it to the CUPS queue and waits
/// for the outcome. The job UUID is printed before anything is sent and the job id as soon as cupsd assigns it,
/// so an interrupted run can be followed up (`lpstat`, or the daemon's supervision). Never resubmits.
/// Exit 0 completed; 1 failed, unknown or refused; 2 usage.
enum LicencePrintCommand {
    static func run(_ arguments: [String]) -> Int32 {
        let parsed: Arguments
        do {
            parsed = try Arguments(arguments, valued: ["queue", "data", "copy", "server", "tray", "font", "timeout"])
        } catch {
            return KioskCtl.usageError(error.description)
        }
        guard let queue = parsed.values["queue"], let dataPath = parsed.values["data"] else {
            return KioskCtl.usageError("print-licence needs --queue NAME and --data FILE.json")
        }
        let timeout: Double
        do {
            timeout = try parsed.seconds("timeout") ?? 300
        } catch {
            return KioskCtl.usageError(error.description)
        }
        // Everything is checked and laid out before cupsd hears of the job.
        let rendered = LicenceCommands.renderPDF(
            dataPath: dataPath, copyName: parsed.values["copy"], fontPath: parsed.values["font"])
        guard case .success(let (pdf, copy)) = rendered else {
            if case .failure(let failure) = rendered { return KioskCtl.failure(failure.description) }
            return 1
        }
        let printer = LicencePrinter(queue: queue, server: parsed.values["server"])
        let options = LicencePrintOptions(copy: copy, mediaSource: parsed.values["tray"])
        let uuid = UUID().uuidString.lowercased()
        return runBlocking {
            let test = await printer.selfTest()
            for problem in test.problems { Console.error("warning: \(problem)") }
            let job: LicencePrintJob
            do {
                job = try await printer.submit(
                    document: pdf, jobUUID: uuid, options: options, deadline: .after(seconds: min(timeout, 60)),
                    willSend: { job in
                        Console.line(
                            "job-uuid \(job.jobUUID) queue \(job.queue) copy \(job.copy.rawValue) (\(job.copy.media))")
                    },
                    didCreate: { job in Console.line("job-id \(job.jobID.map(String.init) ?? "?")") })
            } catch {
                if let printError = error as? LicencePrintError, case .sendFailed(let job, _) = printError,
                    let id = job.jobID
                {
                    Console.error("kioskctl: \(error)")
                    return report(await printer.supervise(jobID: id, deadline: .after(seconds: 30)), printer: printer)
                }
                return KioskCtl.failure("\(error)")
            }
            guard let id = job.jobID else { return KioskCtl.failure("cupsd gave no job id") }
            let outcome = await printer.supervise(jobID: id, deadline: .after(seconds: timeout))
            return await reportAsync(outcome, printer: printer)
        }
    }

    private static func report(_ outcome: LicencePrintOutcome, printer: LicencePrinter) -> Int32 {
        Console.line("state \(outcome.kind)")
        switch outcome {
        case .completed: return 0
        case .failed(let reason), .unknown(let reason):
            Console.line("reason \(reason)")
            if outcome.kind == "unknown" {
                Console.line(
                    "do not reprint before checking the printer's output tray; a reprint is a separate, authorised action"
                )
            }
            return 1
        }
    }

    private static func reportAsync(_ outcome: LicencePrintOutcome, printer: LicencePrinter) async -> Int32 {
        let code = report(outcome, printer: printer)
        let health = await printer.refreshHealth()
        Console.line("printer \(health)")
        return code
    }
}
