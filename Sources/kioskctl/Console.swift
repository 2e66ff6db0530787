import Foundation

/// Unbuffered output, so a line is out before the process blocks (a simulator printing its PTY path, a monitor).
enum Console {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
