import Foundation
import Glibc
import Testing

@testable import KioskIO

/// DescriptorLineWriter on real pipes and /dev/full: it finishes what it can, gives up what it cannot, and never
/// traps or waits past its patience.
@Suite(.serialized) struct DescriptorLineWriterTests {
    /// A close-on-exec pipe; the write end non-blocking when asked.
    private func makePipe(nonBlockingWrite: Bool) throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        if nonBlockingWrite { _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK) }
        return (ends[0], ends[1])
    }

    /// Fills a non-blocking pipe with whole 4096-byte pieces (one pipe buffer each) until it takes no more.
    private func fill(_ fd: Int32) {
        let piece = [UInt8](repeating: UInt8(ascii: "f"), count: 4096)
        while piece.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress!, $0.count) }) > 0 {}
    }

    /// Everything readable now from a pipe's read end (made non-blocking here).
    private static func drainAll(_ fd: Int32) -> [UInt8] {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var all: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n <= 0 { return all }
            all += buffer[0..<n]
        }
    }

    @Test func write_toAPipeWhoseReaderClosed_givesUp() throws {
        signal(SIGPIPE, SIG_IGN)  // as kioskd does; otherwise the process dies before EPIPE comes back
        let ends = try makePipe(nonBlockingWrite: false)
        defer { close(ends.write) }
        close(ends.read)
        let writer = DescriptorLineWriter(fd: ends.write)
        #expect(!writer.write(Array("<6>test: one\n".utf8)))
        #expect(!writer.write(Array("<6>test: two\n".utf8)))
    }

    @Test func write_toAFullDevice_givesUp() throws {
        let full = open("/dev/full", O_WRONLY | O_CLOEXEC)
        try #require(full >= 0)
        defer { close(full) }
        #expect(!DescriptorLineWriter(fd: full).write(Array("<6>test: line\n".utf8)))
    }

    @Test func write_toANonBlockingPipeThatStaysFull_givesUpAfterItsPatience_andTheNextLineAtOnce() throws {
        let ends = try makePipe(nonBlockingWrite: true)
        defer {
            close(ends.read)
            close(ends.write)
        }
        fill(ends.write)
        let patience = Duration.seconds(2)
        let writer = DescriptorLineWriter(fd: ends.write, patience: patience)
        let clock = ContinuousClock()
        let first = clock.now
        #expect(!writer.write(Array("<6>test: one\n".utf8)))
        let waited = clock.now - first
        #expect(waited >= patience)
        #expect(waited < patience + .seconds(10))
        // Congested: the next line does not wait again.
        let second = clock.now
        #expect(!writer.write(Array("<6>test: two\n".utf8)))
        #expect(clock.now - second < patience)
        // Room again: lines go through, and the writer waits for room again.
        _ = Self.drainAll(ends.read)
        #expect(writer.write(Array("<6>test: three\n".utf8)))
        #expect(Self.drainAll(ends.read) == Array("<6>test: three\n".utf8))
    }

    @Test func write_toABlockingPipeNobodyReads_givesUpInsteadOfBlocking() throws {
        let ends = try makePipe(nonBlockingWrite: true)
        defer {
            close(ends.read)
            close(ends.write)
        }
        fill(ends.write)
        _ = fcntl(ends.write, F_SETFL, fcntl(ends.write, F_GETFL) & ~O_NONBLOCK)
        // Should the writer block after all, this unblocks it after 20 s, so the test fails instead of hanging.
        let rescue = DispatchWorkItem { _ = Self.drainAll(ends.read) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 20, execute: rescue)
        defer { rescue.cancel() }
        let clock = ContinuousClock()
        let start = clock.now
        #expect(
            !DescriptorLineWriter(fd: ends.write, patience: .milliseconds(200)).write(Array("<6>test: line\n".utf8)))
        #expect(clock.now - start < .seconds(15))
    }

    @Test func write_aLongLineToAReaderTakingSmallPieces_arrivesWholeAndInOrder() async throws {
        let ends = try makePipe(nonBlockingWrite: true)
        // Far more than a pipe holds, so it goes out in many partial writes with EAGAIN in between.
        let line = (0..<300_000).map { UInt8(ascii: "a") + UInt8($0 % 26) } + [UInt8(ascii: "\n")]
        let reader = Task.detached { () -> [UInt8] in
            defer { close(ends.read) }
            var got: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1000)
            while true {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(ends.read, $0.baseAddress!, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return got }  // end of file: the writer is done
                got += buffer[0..<n]
            }
        }
        let writer = DescriptorLineWriter(fd: ends.write, patience: .seconds(60))
        #expect(writer.write(line))
        close(ends.write)
        #expect(await reader.value == line)
    }

    @Test func write_afterALineWasCutShort_startsTheNextOnALineOfItsOwn() throws {
        let ends = try makePipe(nonBlockingWrite: true)
        defer {
            close(ends.read)
            close(ends.write)
        }
        fill(ends.write)
        // Free exactly one pipe buffer: the first 4096-byte piece of the long line fits, the second does not.
        var buffer = [UInt8](repeating: 0, count: 4096)
        #expect(buffer.withUnsafeMutableBytes { Glibc.read(ends.read, $0.baseAddress!, 4096) } == 4096)
        let writer = DescriptorLineWriter(fd: ends.write, patience: .milliseconds(100))
        let long = [UInt8](repeating: UInt8(ascii: "L"), count: 8191) + [UInt8(ascii: "\n")]
        #expect(!writer.write(long))
        let written = Self.drainAll(ends.read)
        #expect(written.suffix(4096) == ArraySlice(repeating: UInt8(ascii: "L"), count: 4096))
        #expect(writer.write(Array("<6>test: next\n".utf8)))
        #expect(Self.drainAll(ends.read) == Array("\n<6>test: next\n".utf8))
    }
}
