import Foundation
import Testing

@testable import KioskDaemon

/// The logger's accounting of lines its writer could not write (the writer itself is tested on real descriptors in
/// DescriptorLineWriterTests; kioskd with a broken stderr in DaemonLoggingTests).
struct LoggerTests {
    /// A writer that fails while `failing` is set, and keeps what it wrote.
    final class Sink: @unchecked Sendable {
        private let lock = NSLock()
        private var isFailing = false
        private var kept: [String] = []
        var failing: Bool {
            get { lock.withLock { isFailing } }
            set { lock.withLock { isFailing = newValue } }
        }
        var lines: [String] { lock.withLock { kept } }
        func write(_ line: String) -> Bool {
            lock.withLock {
                if isFailing { return false }
                kept.append(line)
                return true
            }
        }
    }

    @Test func linesThatCannotBeWritten_areCounted_andTheLossIsToldOnceWritingWorksAgain() {
        let sink = Sink()
        let logger = Logger(level: .info, write: { sink.write($0) })
        logger.info("test", "before")
        #expect(logger.droppedLines == 0)
        sink.failing = true
        logger.info("test", "lost 1")
        logger.warning("test", "lost 2")
        logger.debug("test", "below the level: not a line at all")
        #expect(logger.droppedLines == 2)
        sink.failing = false
        logger.info("test", "after")
        logger.info("test", "later")
        #expect(logger.droppedLines == 2)
        #expect(
            sink.lines == [
                "<6>test: before\n", "<4>log: 2 lines dropped (stderr not writable)\n", "<6>test: after\n",
                "<6>test: later\n",
            ])
    }
}
