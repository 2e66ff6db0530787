import Foundation
import KioskIO
import Testing

/// The V4L2 ABI as KioskIO uses it — struct sizes, field offsets, VIDIOC_* numbers computed in Swift, FourCCs —
/// against the kernel headers compiled by gcc (docs/camera-v4l2.md). The C program is generated from the names
/// `V4L2Layout.facts` gives, each a C expression, so a fact cannot be left unchecked.
@Suite struct V4L2LayoutTests {
    @Test func everyFact_matchesTheKernelHeadersCompiledByGCC() throws {
        let facts = V4L2Layout.facts
        #expect(facts.count >= 45)
        let kernel = try compileAndRun(Array(facts.keys).sorted())
        for (name, value) in facts.sorted(by: { $0.key < $1.key }) {
            #expect(kernel[name] == value, "\(name): Swift \(value), gcc \(kernel[name].map(String.init) ?? "none")")
        }
    }

    @Test func requestNumbers_areTheKnownAMD64Values() {
        // Worked by hand from _IOC for x86-64: a guard against both sides of the comparison above going wrong alike.
        #expect(V4L2Layout.facts["VIDIOC_QUERYCAP"] == 0x8068_5600)
        #expect(V4L2Layout.facts["VIDIOC_STREAMON"] == 0x4004_5612)
        #expect(V4L2Layout.facts["VIDIOC_DQBUF"] == 0xC058_5611)
    }

    @Test func fourCC_packsLowByteFirst_andPrintsItsLetters() {
        #expect(FourCC.mjpeg.code == 0x4750_4A4D)
        #expect(FourCC.yuyv.description == "YUYV")
        #expect(FourCC(code: 0x0000_4142).description == "BA??")
    }

    /// Writes a C program printing `name=value` for each expression, builds it with gcc, runs it.
    private func compileAndRun(_ names: [String]) throws -> [String: UInt] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-v4l2-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var program = "#include <stddef.h>\n#include <stdio.h>\n#include <linux/videodev2.h>\nint main(void) {\n"
        for name in names { program += "    printf(\"%s=%lu\\n\", \"\(name)\", (unsigned long)(\(name)));\n" }
        program += "    return 0;\n}\n"
        let source = directory.appendingPathComponent("layout.c")
        let binary = directory.appendingPathComponent("layout")
        try program.write(to: source, atomically: true, encoding: .utf8)
        let compiled = try run("/usr/bin/gcc", ["-Wall", "-Werror", "-o", binary.path, source.path])
        try #require(compiled.status == 0, "gcc: \(compiled.output)")
        let ran = try run(binary.path, [])
        try #require(ran.status == 0)
        var values: [String: UInt] = [:]
        for line in ran.output.split(separator: "\n") {
            guard let equals = line.lastIndex(of: "="), let value = UInt(line[line.index(after: equals)...]) else {
                continue
            }
            values[String(line[..<equals])] = value
        }
        return values
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        if finished.wait(timeout: .now() + 120) == .timedOut {
            process.terminate()
            finished.wait()
        }
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
