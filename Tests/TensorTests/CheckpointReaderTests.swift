import Foundation
import XCTest
import Tensor
import TestSupport
import TensorTestSupport

/// CTranslate2 and safetensors readers on small files the tests write, valid and damaged.
final class CheckpointReaderTests: TemporaryDirectoryTestCase {
    override var directoryPrefix: String { "tensor-tests" }

    private func file(_ name: String, _ data: Data) throws -> String {
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    private func sampleCT2() throws -> Data {
        let w = try Tensor(shape: [2, 3], data: [1, -2, 0.5, 4, 5.25, -6])
        let q = try Tensor(shape: [2, 2], data: [127, -64, 10, 20])          // int8 weight
        let s = try Tensor(shape: [2], data: [127, 10])                        // per-row scale
        return CTranslate2Writer.encode(spec: "TestSpec", entries: [
            .init(name: "layer/weight", tensor: w, dtype: .float16),
            .init(name: "layer/bias", tensor: try Tensor(shape: [2], data: [0.25, -1]), dtype: .float32),
            .init(name: "q/weight", tensor: q, dtype: .int8),
            .init(name: "q/weight_scale", tensor: s, dtype: .float32),
            .init(name: "num_heads", tensor: try Tensor(shape: [], data: [6]), dtype: .int16),
        ], aliases: [("out/weight", "layer/weight")])
    }

    func testCTranslate2RoundTripWithAliasesInt8AndScalars() throws {
        let path = try file("model.bin", sampleCT2())
        let (header, store) = try CTranslate2Reader.read(path: path, spec: "TestSpec")
        XCTAssertEqual(header, .init(version: 6, specName: "TestSpec", revision: 3))
        XCTAssertEqual(store.names, ["layer/bias", "layer/weight", "num_heads", "out/weight", "q/weight"],
                       "weight_scale is consumed by dequantisation")
        XCTAssertEqual(try store.take("layer/weight", shape: [2, 3]).data, [1, -2, 0.5, 4, 5.25, -6])
        XCTAssertEqual(try store.take("out/weight").data, [1, -2, 0.5, 4, 5.25, -6])
        XCTAssertEqual(try store.take("q/weight").data, [1, -64.0 / 127, 1, 2])
        XCTAssertEqual(try store.scalar("num_heads"), 6)
        XCTAssertThrowsError(try store.checkAllUsed()) { error in
            XCTAssertEqual(error as? TensorError, .unusedTensors(path: path, names: ["layer/bias"], count: 1))
        }
        _ = try store.take("layer/bias")
        XCTAssertNoThrow(try store.checkAllUsed())
    }

    func testCTranslate2TruncatedAtEveryRegionSaysWhere() throws {
        let data = try sampleCT2()
        // Inside the version, the spec name, the first variable's header, its data, and the aliases.
        for cut in [2, 9, 30, 45, data.count - 30, data.count - 3] {
            let path = try file("cut\(cut).bin", data.prefix(cut))
            XCTAssertThrowsError(try CTranslate2Reader.read(path: path)) { error in
                guard case let .truncated(p, at, what)? = error as? TensorError else {
                    return XCTFail("cut at \(cut): expected truncated, got \(error)")
                }
                XCTAssertEqual(p, path)
                XCTAssertLessThanOrEqual(at, cut)
                XCTAssertFalse(what.isEmpty)
                XCTAssertTrue("\(error)".contains("truncated at byte"), "\(error)")
            }
        }
    }

    func testCTranslate2RefusesOtherFiles() throws {
        var rng = SeededRandom(state: 9)
        let random = Data((0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        let text = Data("{\"alignment_heads\": [[1, 0]], \"lang_ids\": []}\n".utf8)
        for (name, data) in [("random.bin", random), ("text.bin", text), ("empty.bin", Data())] {
            let path = try file(name, data)
            XCTAssertThrowsError(try CTranslate2Reader.read(path: path), name) { error in
                switch error as? TensorError {
                case .wrongFormat?, .truncated?: XCTAssertTrue("\(error)".contains(path), "\(error)")
                default: XCTFail("\(name): \(error)")
                }
            }
        }
        let other = try file("other.bin", sampleCT2())
        XCTAssertThrowsError(try CTranslate2Reader.read(path: other, spec: "WhisperSpec")) { error in
            XCTAssertEqual(error as? TensorError, .wrongFormat(path: other, reason: "spec is TestSpec, expected WhisperSpec"))
        }
        XCTAssertThrowsError(try CTranslate2Reader.read(path: dir.appendingPathComponent("absent.bin").path)) { error in
            guard case let .systemCall(function, code, _)? = error as? TensorError else { return XCTFail("\(error)") }
            XCTAssertEqual(function, "open")
            XCTAssertEqual(code, ENOENT)
        }
    }

    func testInt8WithoutScaleIsRefused() throws {
        let data = CTranslate2Writer.encode(spec: "TestSpec", entries: [
            .init(name: "w", tensor: try Tensor(shape: [2, 2], data: [1, 2, 3, 4]), dtype: .int8)])
        let path = try file("noscale.bin", data)
        XCTAssertThrowsError(try CTranslate2Reader.read(path: path)) { error in
            XCTAssertEqual(error as? TensorError, .unsupportedDType(path: path, name: "w", dtype: "int8 without 'w_scale'"))
        }
    }

    func testSafetensorsRoundTripFloat32Float16AndBFloat16() throws {
        let a = try Tensor(shape: [2, 2], data: [1, 2.5, -3, 0.125])
        let b = try Tensor(shape: [3], data: [7, 8, 9])
        for dtype in [DType.float32, .float16] {
            let path = dir.appendingPathComponent("m-\(dtype.rawValue).safetensors").path
            try SafetensorsWriter.write(["a": a, "b": b], metadata: ["format": "pt"], dtype: dtype, to: path)
            let (metadata, store) = try SafetensorsReader.read(path: path)
            XCTAssertEqual(metadata, ["format": "pt"])
            XCTAssertEqual(try store.take("a", shape: [2, 2]), a)
            XCTAssertEqual(try store.take("b", shape: [3]), b)
        }
        // A hand-written BF16 file.
        var header = Data("{\"x\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(header)
        data.append(contentsOf: [0x80, 0x3F, 0x40, 0xC0])                       // 1, -3
        let path = try file("bf16.safetensors", data)
        XCTAssertEqual(try SafetensorsReader.read(path: path).store.take("x").data, [1, -3])
    }

    func testSafetensorsDamagedFiles() throws {
        let path = dir.appendingPathComponent("ok.safetensors").path
        try SafetensorsWriter.write(["w": try Tensor(shape: [4, 4], data: (0..<16).map(Float.init))], to: path)
        let full = try Data(contentsOf: URL(fileURLWithPath: path))
        let truncated = try file("cut.safetensors", full.prefix(full.count - 10))
        XCTAssertThrowsError(try SafetensorsReader.read(path: truncated)) { error in
            guard case .truncated? = error as? TensorError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("'w'"), "\(error)")
        }
        let headerCut = try file("hcut.safetensors", full.prefix(20))
        XCTAssertThrowsError(try SafetensorsReader.read(path: headerCut)) { error in
            guard case .truncated? = error as? TensorError else { return XCTFail("\(error)") }
        }
        var rng = SeededRandom(state: 5)
        let random = try file("random.safetensors", Data((0..<512).map { _ in UInt8(truncatingIfNeeded: rng.next()) }))
        let text = try file("text.safetensors", Data("hello, this is not a checkpoint at all\n".utf8))
        for p in [random, text] {
            XCTAssertThrowsError(try SafetensorsReader.read(path: p)) { error in
                guard case .wrongFormat? = error as? TensorError else { return XCTFail("\(p): \(error)") }
            }
        }
    }

    func testWeightStoreReportsMissingAndMisShaped() throws {
        let store = WeightStore(path: "/m", tensors: ["a": try Tensor(shape: [2, 3], data: [Float](repeating: 0, count: 6))])
        XCTAssertThrowsError(try store.take("b")) { error in
            XCTAssertEqual(error as? TensorError, .missingTensor(path: "/m", name: "b"))
            XCTAssertTrue("\(error)".contains("missing tensor 'b'"))
        }
        XCTAssertThrowsError(try store.take("a", shape: [3, 2])) { error in
            XCTAssertEqual(error as? TensorError, .wrongShape(path: "/m", name: "a", expected: [3, 2], found: [2, 3]))
        }
        XCTAssertThrowsError(try store.checkAllUsed(), "a mis-shaped take does not count as used")
    }
}
