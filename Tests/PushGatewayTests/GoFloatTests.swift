import Testing

@testable import PushGateway

@Suite struct GoFloatTests {
    /// Expected strings are what Go's strconv.FormatFloat(v, 'g', -1, 64) prints.
    @Test(arguments: [
        (0.0, "0"), (-0.0, "0"), (1, "1"), (-1, "-1"), (3, "3"), (0.5, "0.5"), (0.1, "0.1"), (123_456, "123456"),
        (1_000_000, "1e+06"), (123_456_789, "1.23456789e+08"), (1_796_681_137.790752, "1.796681137790752e+09"),
        (0.0001, "0.0001"), (0.00001, "1e-05"), (1e21, "1e+21"), (1.5e-7, "1.5e-07"), (5e-324, "5e-324"),
        (1.8446744073709552e19, "1.8446744073709552e+19"), (-2.5e10, "-2.5e+10"), (100, "100"), (99999.5, "99999.5"),
    ])
    func format(_ v: Double, _ text: String) {
        #expect(GoFloat.format(v) == text)
    }

    @Test func specials() {
        #expect(GoFloat.format(.nan) == "NaN")
        #expect(GoFloat.format(.infinity) == "+Inf")
        #expect(GoFloat.format(-.infinity) == "-Inf")
    }

    @Test func parse() {
        #expect(GoFloat.parse("1.5e3") == 1500)
        #expect(GoFloat.parse("+Inf") == .infinity)
        #expect(GoFloat.parse("-inf") == -.infinity)
        #expect(GoFloat.parse("NaN")?.isNaN == true)
        #expect(GoFloat.parse("0x10") == nil)
        #expect(GoFloat.parse("1_000") == nil)
        #expect(GoFloat.parse("nan(1)") == nil)
        #expect(GoFloat.parse("") == nil)
    }
}
