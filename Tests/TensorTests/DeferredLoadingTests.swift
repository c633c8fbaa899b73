import Foundation
import XCTest
import Tensor
import TestSupport

/// Model load without a float16 → float32 → float16 round trip: a CTranslate2 file read from a
/// path hands its float entries to the store unconverted (`DeferredTensor`); `take` converts one
/// when a model takes it, `takeHalf` copies a float16 matrix's bits as they are.
final class DeferredLoadingTests: TemporaryDirectoryTestCase {
    override var directoryPrefix: String { "deferred-tests" }

    private let values: [Float] = [1, -2, 0.5, 4, 5.25, -6, 0.0009765625, -65504]   // all exact in float16

    /// A CTranslate2 model.bin (format 6) written byte by byte: dtype codes 0 float32, 1 int8,
    /// 4 float16.
    private func write() throws -> String {
        var data = Data()
        func u8(_ v: UInt8) { data.append(v) }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        func string(_ s: String) { u16(UInt16(s.utf8.count + 1)); data.append(contentsOf: Array(s.utf8) + [0]) }
        func variable(_ name: String, _ shape: [Int], _ code: UInt8, _ bytes: [UInt8]) {
            string(name); u8(UInt8(shape.count)); shape.forEach { u32(UInt32($0)) }; u8(code)
            u32(UInt32(bytes.count)); data.append(contentsOf: bytes)
        }
        func f32(_ v: [Float]) -> [UInt8] { v.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) } }
        func f16(_ v: [Float]) -> [UInt8] { v.flatMap { withUnsafeBytes(of: Float16($0).bitPattern.littleEndian, Array.init) } }
        u32(6); string("TestSpec"); u32(3); u32(5)
        variable("m/weight", [2, 4], 4, f16(values))
        variable("m/bias", [2], 0, f32([0.25, -1]))
        variable("f/weight", [2, 4], 0, f32(values))
        variable("q/weight", [2, 2], 1, [127, 192, 10, 20])      // int8 127, -64, 10, 20
        variable("q/weight_scale", [2], 0, f32([127, 10]))
        u32(1); string("tied/weight"); string("m/weight")
        let url = dir.appendingPathComponent("model.bin")
        try data.write(to: url)
        return url.path
    }

    func testFloat16MatricesAreTakenAsStoredAndEverythingElseAsBefore() throws {
        try XCTSkipUnless(VectorExtensions.available, "no AVX2 + F16C: weights stay float32")
        let store = try CTranslate2Reader.read(path: try write(), spec: "TestSpec").store
        XCTAssertEqual(store.names, ["f/weight", "m/bias", "m/weight", "q/weight", "tied/weight"])
        XCTAssertEqual(try store.shape(of: "m/weight"), [2, 4])
        XCTAssertThrowsError(try store.takeHalf("m/weight", shape: [4, 2])) { error in
            XCTAssertEqual(error as? TensorError, .wrongShape(path: store.path, name: "m/weight", expected: [4, 2], found: [2, 4]))
        }
        let half = try XCTUnwrap(try store.takeHalf("m/weight", shape: [2, 4]))
        XCTAssertEqual(half.floats(), values)
        XCTAssertEqual(try XCTUnwrap(try store.takeHalf("tied/weight", shape: [2, 4])).floats(), values, "an alias reads its target")
        XCTAssertNil(try store.takeHalf("f/weight", shape: [2, 4]), "float32 in the file: take it as float32")
        XCTAssertNil(try store.takeHalf("q/weight", shape: [2, 2]), "int8 is dequantised on read")
        XCTAssertEqual(try store.take("f/weight", shape: [2, 4]).data, values)
        XCTAssertEqual(try store.take("q/weight").data, [1, -64.0 / 127, 1, 2])
        XCTAssertThrowsError(try store.checkAllUsed()) { error in
            XCTAssertEqual(error as? TensorError, .unusedTensors(path: store.path, names: ["m/bias"], count: 1))
        }
        XCTAssertEqual(try store.take("m/bias").data, [0.25, -1])
        XCTAssertNoThrow(try store.checkAllUsed())
        store.release()                                          // unmaps the file
        XCTAssertEqual(half.floats(), values, "taken matrices own their values")
        XCTAssertThrowsError(try store.take("m/bias"))
    }

    func testDeferredTakeEqualsTheConversionUpFront() throws {
        let path = try write()
        let lazy = try CTranslate2Reader.read(path: path).store
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let eager = try data.withUnsafeBytes { try CTranslate2Reader.read(bytes: $0, path: path).store }
        XCTAssertNil(try eager.takeHalf("m/weight", shape: [2, 4]), "read from memory: converted up front")
        for name in ["m/weight", "m/bias", "f/weight", "q/weight", "tied/weight"] {
            XCTAssertEqual(try lazy.take(name), try eager.take(name), name)
        }
    }
}
