import Testing

/// `kioskctl validate` as a technician runs it: exit 0 "valid", 1 with the reason, 2 on usage errors.
@Suite struct KioskctlValidateTests {
    @Test(arguments: ["11010519491231002X", "11010519491231002x", "932682198501010017"])
    func validID_exitsZero_andSaysValid(number: String) throws {
        let result = try ProcessRunner.run("kioskctl", ["validate", "id", number])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("valid"))
        #expect(!result.stdout.contains("19491231"))
    }

    @Test(arguments: ["", "110105194912310021", "１１０１０５１９４９１２３１００２Ｘ", "身份证号码", String(repeating: "9", count: 200)])
    func invalidID_exitsOne_withAReason(number: String) throws {
        let result = try ProcessRunner.run("kioskctl", ["validate", "id", number])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("invalid: "))
    }

    @Test func hugeInput_isRefusedWithoutCrashing() throws {
        let result = try ProcessRunner.run("kioskctl", ["validate", "uscc", String(repeating: "码", count: 40_000)])
        #expect(result.status == 1)
        #expect(result.stderr.contains("at most 256"))
    }

    @Test func validCreditCode_exitsZero() throws {
        let result = try ProcessRunner.run("kioskctl", ["validate", "uscc", "91350100M000100Y43"])
        #expect(result.status == 0)
        #expect(result.stdout == "valid\n")
    }

    @Test func badCreditCode_namesTheExpectedCheckCharacter() throws {
        let result = try ProcessRunner.run("kioskctl", ["validate", "uscc", "91350100M000100Y44"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("should be 3"))
    }

    @Test(arguments: [["validate"], ["validate", "id"], ["validate", "passport", "X"], ["validate", "id", "1", "2"]])
    func usageErrors_exitTwo(arguments: [String]) throws {
        let result = try ProcessRunner.run("kioskctl", arguments)
        #expect(result.status == 2)
        #expect(result.stderr.contains("usage:"))
    }

    @Test func version_namesEveryLinkedLibrary() throws {
        let result = try ProcessRunner.run("kioskctl", ["version"])
        #expect(result.status == 0)
        for library in ["kioskd ", "libusb 1.", "libcups 2.", "libudev 1.", "sqlite 3."] {
            #expect(result.stdout.contains(library), "missing \(library)")
        }
    }
}
