import Foundation

/// Decodes a JPEG with libjpeg-turbo's djpeg (Debian libjpeg-turbo-progs, scripts/install-deps.sh): the independent
/// decoder our camera JPEGs are checked against. Each run has a deadline.
enum Djpeg {
    struct Image {
        let width: Int
        let height: Int
        /// 1 (PGM) or 3 (PPM) samples per pixel, row-major.
        let channels: Int
        let samples: [UInt8]
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let executable = "/usr/bin/djpeg"

    /// The decoded image, or `Failure` with djpeg's message when it refuses the bytes.
    static func decode(_ jpeg: [UInt8], options: [String] = [], seconds: Double = 30) throws -> Image {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw Failure(description: "djpeg is not installed; run scripts/install-deps.sh (libjpeg-turbo-progs)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-djpeg-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.jpg")
        let output = directory.appendingPathComponent("out.pnm")
        try Data(jpeg).write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-pnm"] + options + ["-outfile", output.path, input.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if finished.wait(timeout: .now() + seconds) == .timedOut {
            process.terminate()
            finished.wait()
            throw Failure(description: "djpeg ran past \(seconds) s")
        }
        // djpeg exits 2 on warnings (e.g. corrupt data it worked around): a frame we make must give none.
        guard process.terminationStatus == 0, message.isEmpty else {
            throw Failure(description: "djpeg exit \(process.terminationStatus): \(message)")
        }
        return try parsePNM([UInt8](try Data(contentsOf: output)))
    }

    /// Reads binary P5/P6 with maxval 255.
    static func parsePNM(_ bytes: [UInt8]) throws -> Image {
        var position = 0
        func token() -> String {
            while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x0A { position += 1 }
            let start = position
            while position < bytes.count, bytes[position] != 0x20, bytes[position] != 0x0A { position += 1 }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
        let magic = token()
        guard let width = Int(token()), let height = Int(token()), token() == "255" else {
            throw Failure(description: "unexpected PNM header")
        }
        position += 1
        let channels = magic == "P6" ? 3 : 1
        guard magic == "P5" || magic == "P6", bytes.count - position == width * height * channels else {
            throw Failure(description: "unexpected PNM \(magic) of \(bytes.count) bytes")
        }
        return Image(width: width, height: height, channels: channels, samples: Array(bytes[position...]))
    }
}
