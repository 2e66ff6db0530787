import KioskCore

/// `--help` and `-h` on any verb (wherever they stand, so `validate id --help` is help, not an ID number), `help
/// VERB`, `--version`, and "did you mean" for a mistyped verb.
enum HelpCommand {
    /// The exit code when `arguments` ask for help or the version, or name no known verb; nil to run the verb.
    static func answer(_ arguments: [String]) -> Int32? {
        let words = positionals(arguments)
        if arguments.first == "--version" {
            Console.line("kioskctl \(KioskVersion.current) (control protocol \(KioskVersion.controlProtocol))")
            return ExitCode.ok
        }
        if words.first == "help" || (words.isEmpty && arguments.contains { $0 == "--help" || $0 == "-h" }) {
            guard words.count > 1 else {
                Console.line(VerbCatalog.usage)
                return ExitCode.ok
            }
            return helpFor(words[1])
        }
        if arguments.contains(where: { $0 == "--help" || $0 == "-h" }), let first = words.first {
            return helpFor(first)
        }
        guard let first = words.first else { return nil }
        if VerbCatalog.verb(named: first) == nil {
            let hint = VerbCatalog.suggestion(for: first).map { "; did you mean '\($0)'?" } ?? ""
            Console.error("kioskctl: unknown verb '\(first.prefix(40))'\(hint)\n(kioskctl help lists the verbs)")
            return ExitCode.usage
        }
        return nil
    }

    private static func helpFor(_ name: String) -> Int32 {
        guard let verb = VerbCatalog.verb(named: name) else {
            let hint = VerbCatalog.suggestion(for: name).map { "; did you mean '\($0)'?" } ?? ""
            Console.error("kioskctl: no help for unknown verb '\(name.prefix(40))'\(hint)")
            return ExitCode.usage
        }
        Console.line(VerbCatalog.help(for: verb))
        return ExitCode.ok
    }

    /// The words that are not options, skipping the value of `--socket` (the only global option with one).
    static func positionals(_ arguments: [String]) -> [String] {
        var words: [String] = []
        var skip = false
        for word in arguments {
            if skip {
                skip = false
                continue
            }
            if word == "--socket" {
                skip = true
                continue
            }
            if !word.hasPrefix("-") { words.append(word) }
        }
        return words
    }
}
