import Dispatch
import Foundation

/// Turns SIGTERM / SIGINT into an awaitable event (the default action is disabled so the daemon can stop in order).
final class SignalWatcher: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let stream: AsyncStream<Int32>
    private let continuation: AsyncStream<Int32>.Continuation

    init(_ signals: [Int32]) {
        (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [continuation] in continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// Stops the daemon as a signal would (the demo's end with --exit-after-demo).
    func trigger() { continuation.yield(SIGTERM) }

    /// Waits for the first signal (or the task's cancellation).
    func next() async {
        var iterator = stream.makeAsyncIterator()
        _ = await iterator.next()
    }

    deinit { for source in sources { source.cancel() } }
}
