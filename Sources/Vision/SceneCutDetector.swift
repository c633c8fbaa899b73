/// Tells a scene cut (a different picture: a television changing shot, the corpus' clips joined)
/// from motion or a lighting change within one scene, between consecutive analysed frames.
///
/// Each frame is reduced to a `gridWidth`×`gridHeight` thumbnail of block means; a cut is a frame
/// whose thumbnail, with its mean brightness taken out, differs from the previous one by at least
/// `meanDifference` grey levels on average. Measured on the corpus streams (scripts/bench.py
/// --only camera inputs, 192×144, 25 fps): talking frames differ by at most 1.8 levels, the 11
/// cuts by at least 23; the demo face at 640×480 by at most 1.8.
public struct SceneCutDetector: Sendable {
    public var gridWidth = 32
    public var gridHeight = 24
    public var meanDifference: Float = 12

    private var thumbnail: [Float] = []
    private var size: (Int, Int) = (0, 0)

    /// Brightness-corrected thumbnail difference of the last frame against the one before.
    public private(set) var lastDifference: Float = 0

    public init() {}

    /// Forgets the previous frame (the next frame is never a cut).
    public mutating func reset() { thumbnail = []; size = (0, 0) }

    /// Feeds the next frame; true when it starts a new scene (a change of frame size counts too).
    public mutating func isCut(_ image: GreyImage) -> Bool {
        let thumb = summary(image)
        defer { thumbnail = thumb; size = (image.width, image.height) }
        guard !thumbnail.isEmpty else { lastDifference = 0; return false }
        guard size == (image.width, image.height), thumb.count == thumbnail.count else { return true }
        let n = Float(max(thumb.count, 1))
        let shift = (thumb.reduce(0, +) - thumbnail.reduce(0, +)) / n
        var d: Float = 0
        for (a, b) in zip(thumb, thumbnail) { d += abs(a - b - shift) }
        lastDifference = d / n
        return lastDifference >= meanDifference
    }

    /// Block means on the grid over every n-th pixel of every n-th row, n = max(2, width / 160)
    /// (640×480: every 4th, 19,200 samples; 192×144: every 2nd).
    private func summary(_ image: GreyImage) -> [Float] {
        let gw = min(gridWidth, image.width), gh = min(gridHeight, image.height)
        let n = max(2, image.width / 160)
        var sums = [Float](repeating: 0, count: gw * gh)
        var counts = [Int](repeating: 0, count: gw * gh)
        let column = stride(from: 0, to: image.width, by: n).map { $0 * gw / image.width }
        image.pixels.withUnsafeBufferPointer { p in
            for y in stride(from: 0, to: image.height, by: n) {
                let row = (y * gh / image.height) * gw
                let line = y * image.width
                for (i, block) in column.enumerated() {
                    let v = p[line + n * i]
                    sums[row + block] += Float(v); counts[row + block] += 1
                }
            }
        }
        for k in sums.indices { sums[k] /= Float(max(counts[k], 1)) }
        return sums
    }
}
