import Testing
@testable import KubeAPI

@Suite struct QuantityTests {
    /// (text, value rounded up, milliValue rounded up) — the numbers resource.Quantity gives.
    @Test(arguments: [
        ("500m", 1, 500), ("0.5", 1, 500), ("1", 1, 1000), ("2", 2, 2000), ("100m", 1, 100), ("1m", 1, 1),
        ("0", 0, 0), ("0.0001", 1, 1), ("1.5", 2, 1500), ("1500m", 2, 1500),
        ("128Mi", 134_217_728, 134_217_728_000), ("1Gi", 1_073_741_824, 1_073_741_824_000), ("1Ki", 1024, 1_024_000),
        ("1.5Gi", 1_610_612_736, 1_610_612_736_000), ("0.5Ki", 512, 512_000),
        ("1G", 1_000_000_000, 1_000_000_000_000), ("1k", 1000, 1_000_000), ("1M", 1_000_000, 1_000_000_000),
        ("1T", 1_000_000_000_000, 1_000_000_000_000_000), ("1e3", 1000, 1_000_000), ("1E3", 1000, 1_000_000),
        ("1e-3", 1, 1), ("1.5e3", 1500, 1_500_000), ("2e+2", 200, 200_000), ("1n", 1, 1), ("1u", 1, 1),
        ("1000000", 1_000_000, 1_000_000_000), (".5", 1, 500), ("5.", 5, 5000), ("+1", 1, 1000),
        ("-1", -1, -1000), ("-500m", -1, -500), ("007", 7, 7000), ("1Ei", 1_152_921_504_606_846_976, Int64.max),
    ])
    func parsesExactly(text: String, value: Int64, milli: Int64) throws {
        let q = try Quantity.parse(text)
        #expect(q.text == text)
        #expect(q.value == value)
        #expect(q.milliValue == milli)
    }

    @Test(arguments: ["", "abc", "128mb", "1K", "1Mib", "1..5", ".", "+", "1e", "1 Gi", "Gi", "1.2.3", "--1", "1ee3", "0x10",
                      "1e-9223372036854775808", "1e9223372036854775807", "1e99999999999999999999"])
    func rejectsMalformed(text: String) {
        #expect(throws: SwkQuantityError.self) { _ = try Quantity.parse(text) }
    }

    @Test func rejectsOverflowAndPrecision() {
        #expect(throws: SwkQuantityError.self) { _ = try Quantity.parse("16Ei") }
        #expect(throws: SwkQuantityError.self) { _ = try Quantity.parse("1e19") }
        #expect(throws: SwkQuantityError.self) { _ = try Quantity.parse("1.2345678901234567890123") }
    }

    @Test func errorNamesTheValue() {
        do {
            _ = try Quantity.parse("12 cores")
            Issue.record("accepted")
        } catch {
            #expect(error.message == "invalid value \"12 cores\": must be a quantity such as 500m, 0.5, 128Mi or 1G")
        }
    }

    @Test func resourceAccessors() throws {
        var r = ResourceRequirements()
        r.limits["memory"] = try Quantity.parse("64Mi")
        r.limits["cpu"] = try Quantity.parse("250m")
        #expect(r.memoryLimitBytes == 67_108_864)
        #expect(r.cpuLimitMillis == 250)
    }
}
