/// Step fusion for the fast kernels: FaceMesh ends each residual block with ADD then PRELU on the
/// sum; with the fast kernels the two run as one pass over the activations (`Step.addPrelu`, the
/// same arithmetic, so the same values). The ADD's own tensor is then not written
/// (`value(named:)` on it returns stale data). The reference kernels keep every step.
extension TFLiteGraph {
    func fuseAddPrelu() {
        guard kernels == .fast else { return }
        let outputs = Set(model.outputs)
        var fused: [Step] = []
        var i = 0
        while i < steps.count {
            if i + 1 < steps.count, case let .add(a, b, y, _, act) = steps[i], act == .none,
               case let .prelu(x, alpha, out, pixels, channels) = steps[i + 1], x == y, out != y, !outputs.contains(y),
               !steps[(i + 2)...].contains(where: { Self.inputs(of: $0).contains(y) }) {
                fused.append(.addPrelu(a: a, b: b, alpha: alpha, y: out, pixels: pixels, channels: channels))
                i += 2
            } else {
                fused.append(steps[i])
                i += 1
            }
        }
        steps = fused
    }
}
