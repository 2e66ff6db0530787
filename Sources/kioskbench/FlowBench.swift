/// Not written yet: prints so and fails, so nobody mistakes it for a figure.
enum FlowBench {
    static func run() -> Int32 {
        print("FlowBench: not written yet")
        return 1
    }
}
