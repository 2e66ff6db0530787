import Foundation
import Glibc

/// Unbuffered output, so a line is out before the process blocks (a simulator printing its PTY path, a monitor).
///
/// Written with write(2), not FileHandle, whose write traps on EPIPE: `kioskctl status | head -1` must not end in a
/// crash report. When the reader of standard output has gone, kioskctl ends as a program killed by SIGPIPE would, with
/// status 141 (128 + 13), which is what shells and `set -o pipefail` expect.
enum Console {
    static let readerGoneStatus: Int32 = 141

    static func line(_ text: String) {
        if !writeAll(STDOUT_FILENO, text + "\n") { _exit(readerGoneStatus) }
    }

    static func error(_ text: String) {
        _ = writeAll(STDERR_FILENO, text + "\n")
    }

    /// False when the descriptor refuses the bytes for good (EPIPE, EBADF, EIO).
    private static func writeAll(_ descriptor: Int32, _ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            bytes = bytes.dropFirst(written)
        }
        return true
    }
}
