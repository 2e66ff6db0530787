/// The registry of benches; each lives in its own file.
enum Benches {
    static let all: [String: @Sendable () -> Int32] = [
        "idreader": IDReaderBench.run,
        "escpos": ESCPOSBench.run,
        "licence": LicenceBench.run,
        "daemon": DaemonBench.run,
        "store": StoreBench.run,
        "central": CentralBench.run,
    ]
}
