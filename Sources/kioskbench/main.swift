import Foundation

// kioskbench — prints the figures docs/ARCHITECTURE.md §13 holds us to. `kioskbench NAME`; `kioskbench` alone lists
// them.
let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let bench = Benches.all[name] else {
    print("usage: kioskbench NAME; benches: \(Benches.all.keys.sorted().joined(separator: ", "))")
    exit(arguments.isEmpty ? 0 : 2)
}
exit(bench())
