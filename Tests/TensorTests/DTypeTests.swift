import XCTest
import Tensor

final class DTypeTests: XCTestCase {
    func testHalfConversionMatchesFloat16ForEveryBitPattern() {
        var bits = [UInt8](repeating: 0, count: 65536 * 2)
        for i in 0..<65536 { bits[2 * i] = UInt8(i & 0xFF); bits[2 * i + 1] = UInt8(i >> 8) }
        let values = bits.withUnsafeBytes { DType.float16.convert($0.baseAddress!, count: 65536) }
        for i in 0..<65536 {
            let expected = Float(Float16(bitPattern: UInt16(i)))
            if expected.isNaN { XCTAssertTrue(values[i].isNaN); continue }
            XCTAssertEqual(values[i].bitPattern, expected.bitPattern, "half 0x\(String(i, radix: 16))")
        }
    }

    func testF16CWideningEqualsThePortableOneForEveryBitPattern() {
        var bits = [UInt8](repeating: 0, count: 65536 * 2 + 2)
        for i in 0..<65537 { bits[2 * i] = UInt8(i & 0xFF); bits[2 * i + 1] = UInt8((i >> 8) & 0xFF) }
        let fast = bits.withUnsafeBytes { DType.float16.convert($0.baseAddress!, count: 65537) }
        let portable = VectorExtensions.withPortableKernels { bits.withUnsafeBytes { DType.float16.convert($0.baseAddress!, count: 65537) } }
        for i in 0..<65537 where !(fast[i].isNaN && portable[i].isNaN) {
            XCTAssertEqual(fast[i].bitPattern, portable[i].bitPattern, "half 0x\(String(i, radix: 16))")
        }
    }

    func testVectorHalfConversionMatchesScalarReferenceForEveryBitPattern() {
        for start in stride(from: 0, to: 65536, by: 8) {
            var lanes = SIMD8<UInt16>()
            for l in 0..<8 { lanes[l] = UInt16(start + l) }
            let fast = DType.halvesToFloats(lanes)
            for l in 0..<8 {
                let slow = DType.halfToFloat(UInt16(start + l))
                if slow.isNaN { XCTAssertTrue(fast[l].isNaN); continue }
                XCTAssertEqual(fast[l].bitPattern, slow.bitPattern, "half 0x\(String(start + l, radix: 16))")
            }
        }
    }

    func testBFloat16Int8AndFloat32() {
        let bf: [UInt16] = [0x3F80, 0xC000, 0x0000]           // 1, -2, 0
        let b = bf.withUnsafeBytes { DType.bfloat16.convert($0.baseAddress!, count: 3) }
        XCTAssertEqual(b, [1, -2, 0])
        let i8: [Int8] = [-128, 0, 127]
        XCTAssertEqual(i8.withUnsafeBytes { DType.int8.convert($0.baseAddress!, count: 3) }, [-128, 0, 127])
        let f: [Float] = [1.5, -3.25]
        XCTAssertEqual(f.withUnsafeBytes { DType.float32.convert($0.baseAddress!, count: 2) }, f)
    }
}
