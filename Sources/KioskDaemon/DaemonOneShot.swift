import Foundation
import KioskCore

/// What kioskd does instead of running: `--version`, and `--check-config FILE`, which reads FILE exactly as a start
/// would and says what is wrong with it (the key, and line:column for a JSON syntax error), like `cupsd -t`, so a
/// technician can check an edit before `systemctl restart kioskd`.
public enum DaemonOneShot {
    /// The exit status when `options` asks for a one-shot action; nil when kioskd should run.
    public static func run(_ options: DaemonOptions) -> Int32? {
        if options.version {
            print("kioskd \(KioskVersion.current) (control protocol \(KioskVersion.controlProtocol))")
            return 0
        }
        guard let path = options.checkConfig else { return nil }
        switch check(path: path) {
        case .success:
            print("kioskd: \(path) is OK")
            return 0
        case .failure(let message):
            _ = Logger.standardError("kioskd: \(message)\n")
            return 1
        }
    }

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// Valid, or the problem as one line: `FILE:LINE:COLUMN: …` for JSON syntax, `config FILE: KEY: …` otherwise.
    public static func check(path: String) -> Result<DaemonConfig, Problem> {
        if let data = FileManager.default.contents(atPath: path), data.count <= DaemonConfig.maximumFileSize,
            (try? JSONSerialization.jsonObject(with: data)) == nil,
            let syntax = JSONSyntaxLocator.firstProblem(in: Array(data))
        {
            return .failure(Problem(description: "\(path):\(syntax.line):\(syntax.column): \(syntax.message)"))
        }
        let config: DaemonConfig
        do {
            config = try DaemonConfig.load(path: path)
        } catch {
            return .failure(Problem(description: error.description))
        }
        // The one check a start makes beyond the file's own keys (Daemon.registrationAuthority): production needs
        // a registration service unless an embedded mode is chosen.
        let central = config.authority.mode == .central || !config.authority.modeIsExplicit
        if central && config.central.registration == nil {
            let error = ConfigError(
                file: path, keyPath: "authority.mode",
                problem:
                    "missing; set \"central\" (with central.registration) or, for a terminal without a centre, "
                    + "\"embedded\"")
            return .failure(Problem(description: error.description))
        }
        if let error = config.faceVerificationProblem(file: path) {
            return .failure(Problem(description: error.description))
        }
        return .success(config)
    }
}
