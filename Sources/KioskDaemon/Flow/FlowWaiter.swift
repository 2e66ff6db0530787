import KioskCore

/// Waits for the flow to reach a step, on its UI events, with a deadline.
enum FlowWaiter {
    static func wait(for step: FlowStepName, on runner: FlowRunner, timeout: Duration) async -> Bool {
        await wait(forAnyOf: [step], on: runner, timeout: timeout)
    }

    /// Waits for the flow to reach any of `steps` (at once if it is at one).
    static func wait(forAnyOf steps: Set<FlowStepName>, on runner: FlowRunner, timeout: Duration) async -> Bool {
        let updates = await runner.watch()
        if await steps.contains(runner.snapshot.step) { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await event in updates {
                    if case .stepChanged(let now) = event, steps.contains(now) { return true }
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

    /// Waits for a UI event whose log-safe line (as in status' `recent`) contains `text`; a matching line among the
    /// recent ones counts at once. Returns the line, or nil when `timeout` passed first.
    static func waitForUI(containing text: String, on runner: FlowRunner, timeout: Duration) async -> String? {
        let updates = await runner.watch()
        if let line = await runner.snapshot.lastUIEvents.last(where: { $0.contains(text) }) { return line }
        return await withTaskGroup(of: String?.self) { group in
            group.addTask {
                for await event in updates {
                    let line = FlowRunner.describe(event)
                    if line.contains(text) { return line }
                }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
