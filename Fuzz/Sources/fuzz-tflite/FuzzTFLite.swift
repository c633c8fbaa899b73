import Foundation
import Vision

/// `.tflite` (Vision.TFLiteModel: the FlatBuffers walk, operator codes, buffers, tensor shapes,
/// operator options), then what loading a face model does with it: the constant data of every
/// tensor and TFLiteGraph's plan (every operator shape-checked, buffers allocated). Graphs that
/// plan and are small are also run once on a ramp input with both kernel sets, so a plan that
/// under-sizes a buffer shows as an AddressSanitizer report. FUZZ_VERBOSE=1 prints why an input
/// was refused (to check the seeds).
private let verbose = ProcessInfo.processInfo.environment["FUZZ_VERBOSE"] == "1"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTFLite(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = [UInt8](UnsafeBufferPointer(start: data, count: size))
    let model: TFLiteModel
    do { model = try TFLiteModel(bytes: bytes, path: "<fuzz>") } catch {
        if verbose { print("model: \(error)") }
        return 0
    }
    var constants = 0
    for i in model.tensors.indices {
        constants += model.constantFloats(i)?.count ?? 0
        _ = model.constantInts(i)
    }
    for kernels in [TFLiteGraph.KernelSet.reference, .fast] {
        let graph: TFLiteGraph
        do { graph = try TFLiteGraph(model: model, kernels: kernels) } catch {
            if verbose { print("graph: \(error)") }
            return 0
        }
        let inputCount = graph.inputShape.reduce(1, *)
        guard inputCount <= 1 << 14, model.operators.count <= 64 else { return 0 }
        let input = (0..<inputCount).map { Float($0 % 17) / 8 - 1 }
        do {
            let outputs = try graph.run(input)
            if verbose { print("\(kernels): ran \(model.operators.count) operators, outputs \(outputs.map(\.count)), constants \(constants)") }
        } catch {
            if verbose { print("run: \(error)") }
        }
    }
    return 0
}
