@testable import Training

extension Parameter {
    /// (loss(v + step) − loss(v − step)) / 2·step for value `i`, restoring the value afterwards: the
    /// numeric side of every finite-difference check of a backward pass.
    func centralDifference(at i: Int, step: Float, loss: () -> Double) -> Double {
        let saved = value[i]
        value[i] = saved + step
        let plus = loss()
        value[i] = saved - step
        let minus = loss()
        value[i] = saved
        return (plus - minus) / (2 * Double(step))
    }
}
