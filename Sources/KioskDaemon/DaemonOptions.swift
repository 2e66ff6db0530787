/// `kioskd [--config FILE] [--simulate] [--state-dir DIR] [--demo [--exit-after-demo]] [--no-cups] [--no-central]`.
public struct DaemonOptions: Sendable, Equatable {
    public var configPath: String?
    public var simulate = false
    public var stateDirectory: String?
    public var demo = false
    /// Stop in order once the demo citizen is done (for `make demo` and scripts).
    public var exitAfterDemo = false
    /// Simulate the licence printer as a PDF directory even when cupsd is installed (fast start-up, crash tests).
    public var noCUPS = false
    /// Under `--simulate`, no central simulator: no push, the embedded authority approves (fast start-up, and the
    /// `sim authority` modes of the embedded authority).
    public var noCentral = false
    /// `--check-config FILE`: validate FILE, say so, and exit (0 valid, 1 not), like `cupsd -t`.
    public var checkConfig: String?
    /// `--version`: print the version and exit.
    public var version = false

    public static let defaultConfigPath = "/etc/kioskd/kioskd.json"
    public static let usage =
        "usage: kioskd [--config FILE] [--simulate] [--state-dir DIR] [--demo [--exit-after-demo]] [--no-cups] [--no-central]\n"
        + "       kioskd --check-config FILE | --version"

    public init() {}

    public struct UsageError: Error, CustomStringConvertible { public let description: String }

    public static func parse(_ arguments: [String]) throws(UsageError) -> DaemonOptions {
        var options = DaemonOptions()
        var index = 0
        func value(_ flag: String) throws(UsageError) -> String {
            index += 1
            guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                throw UsageError(description: "\(flag) needs a value")
            }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--config": options.configPath = try value("--config")
            case "--state-dir": options.stateDirectory = try value("--state-dir")
            case "--simulate": options.simulate = true
            case "--demo": options.demo = true
            case "--exit-after-demo": options.exitAfterDemo = true
            case "--no-cups": options.noCUPS = true
            case "--no-central": options.noCentral = true
            case "--check-config": options.checkConfig = try value("--check-config")
            case "--version": options.version = true
            default: throw UsageError(description: "unknown argument '\(arguments[index])'")
            }
            index += 1
        }
        if options.checkConfig != nil || options.version { return options }
        if options.demo && !options.simulate { throw UsageError(description: "--demo needs --simulate") }
        if options.exitAfterDemo && !options.demo { throw UsageError(description: "--exit-after-demo needs --demo") }
        if options.simulate && options.stateDirectory == nil {
            throw UsageError(description: "--simulate needs --state-dir DIR")
        }
        return options
    }
}
