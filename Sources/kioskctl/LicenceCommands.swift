import Foundation
import KioskCore
import KioskDaemon
import KioskDevices
import KioskDocuments

/// `direct print-licence`, `direct render-licence` (issue 5): a technician's bench tools. Both validate the JSON
/// description and lay the licence out before anything is written or sent.
enum LicenceCommands {
    /// Larger JSON descriptions are refused unread.
    static let maximumDataBytes = 64 * 1024

    static func direct(_ sub: String, _ arguments: [String]) -> Int32 {
        switch sub {
        case "render-licence": return render(arguments)
        case "print-licence": return LicencePrintCommand.run(arguments)
        default: return KioskCtl.usageError("unknown direct subcommand '\(sub)'")
        }
    }

    /// `direct render-licence --data FILE.json --out FILE.pdf [--copy original|duplicate] [--font FILE.ttf]`
    static func render(_ arguments: [String]) -> Int32 {
        let parsed: Arguments
        do {
            parsed = try Arguments(arguments, valued: ["data", "out", "copy", "font"])
        } catch {
            return KioskCtl.usageError(error.description)
        }
        guard let dataPath = parsed.values["data"], let outPath = parsed.values["out"] else {
            return KioskCtl.usageError("render-licence needs --data FILE.json and --out FILE.pdf")
        }
        switch renderPDF(dataPath: dataPath, copyName: parsed.values["copy"], fontPath: parsed.values["font"]) {
        case .failure(let message):
            return KioskCtl.failure(message.description)
        case .success(let (pdf, copy)):
            do {
                try Data(pdf).write(to: URL(fileURLWithPath: outPath), options: .atomic)
            } catch {
                return KioskCtl.failure(
                    "cannot write \(outPath): \(error.localizedDescription); check the directory exists and is writable"
                )
            }
            Console.line("rendered \(copy.rawValue) (\(copy.media)) to \(outPath), \(pdf.count) bytes")
            return 0
        }
    }

    /// Reads and checks the JSON, then renders; the failure text names the field at fault.
    static func renderPDF(dataPath: String, copyName: String?, fontPath: String?) -> Result<
        ([UInt8], LicenceCopy), Failure
    > {
        let copy: LicenceCopy
        switch copyName {
        case nil: copy = .original
        case let name?:
            guard let parsed = LicenceCopy(rawValue: name) else {
                return .failure(Failure("--copy must be original or duplicate, got '\(name)'"))
            }
            copy = parsed
        }
        let licence: BusinessLicence
        switch readLicence(dataPath) {
        case .failure(let failure): return .failure(failure)
        case .success(let value): licence = value
        }
        // The fonts kioskd prints with (docs/ARCHITECTURE.md §4.8): a bench licence looks like a terminal's.
        var fontConfig = LicenceFontConfig()
        if let fontPath { fontConfig.fontPath = fontPath }
        let fonts: PDFFontSet
        do {
            fonts = try fontConfig.load(file: fontPath == nil ? "kioskd's default fonts" : "--font")
        } catch {
            return .failure(Failure("\(error)"))
        }
        do {
            return .success((try LicenceRenderer.render(licence, copy: copy, fonts: fonts), copy))
        } catch {
            return .failure(Failure("\(dataPath): \(error)"))
        }
    }

    /// The licence from a JSON file, with decoding errors turned into "field: what is wrong".
    static func readLicence(_ path: String) -> Result<BusinessLicence, Failure> {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? Int
        else {
            return .failure(Failure("cannot read \(path); check the path"))
        }
        guard size <= maximumDataBytes, let data = FileManager.default.contents(atPath: path) else {
            return .failure(
                Failure("\(path) is \(size) bytes; a licence description is at most \(maximumDataBytes) bytes"))
        }
        do {
            let licence = try JSONDecoder().decode(BusinessLicence.self, from: data)
            let problems = licence.problems()
            guard problems.isEmpty else {
                return .failure(Failure("\(path): licence refused: " + problems.joined(separator: "; ")))
            }
            return .success(licence)
        } catch let DecodingError.keyNotFound(key, _) {
            let name = key.stringValue == "legalRepresentative" ? "legalRepresentative (or operator)" : key.stringValue
            return .failure(Failure("\(path): \(name): missing"))
        } catch let DecodingError.typeMismatch(_, context) {
            return .failure(Failure("\(path): \(fieldName(context)): must be a string"))
        } catch let DecodingError.valueNotFound(_, context) {
            return .failure(Failure("\(path): \(fieldName(context)): must not be null"))
        } catch let DecodingError.dataCorrupted(context) {
            return .failure(Failure("\(path): \(fieldName(context)): \(context.debugDescription)"))
        } catch {
            return .failure(Failure("\(path): not a licence description: \(error)"))
        }
    }

    private static func fieldName(_ context: DecodingError.Context) -> String {
        context.codingPath.last?.stringValue ?? "(document)"
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
