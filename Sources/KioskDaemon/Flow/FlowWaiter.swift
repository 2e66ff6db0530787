import KioskCore

/// Waits for the flow to reach a step, on its UI events, with a deadline.
enum FlowWaiter {
    static func wait(for step: FlowStepName, on runner: FlowRunner, timeout: Duration) async -> Bool {
        let updates = await runner.watch()
        if await runner.snapshot.step == step { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await event in updates {
                    if case .stepChanged(let now) = event, now == step { return true }
                }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
