import Foundation

/// Whisper's log-mel of the live service's overlapping windows, each 10-ms frame computed once.
///
/// A live window is its audio followed by silence (`zeros`) and the front end's 160-sample
/// padding, and its features are the log-mel of that signal normalised over the window (floor at
/// max − 8, then (x + 4) / 4). Consecutive windows share most of their audio, and a frame's raw
/// (clamped log10) value depends only on the 400 samples around its centre; so raw frames are kept
/// by absolute centre (sample index, a multiple of the hop), and only the normalisation, which
/// uses the window's maximum, is done per window. Frames that see the window's edges (reflection
/// at its start, the silence after it) are computed per window; frames wholly inside the silence
/// are one value computed once.
///
/// Exact: the result equals the one-shot computation (`oneShot`); a cached frame is used only
/// while the samples it was computed from are the window's (the overlap is compared), so a time
/// jump or a buffer restart just recomputes. Frames are shared between windows whose first sample
/// has the same index modulo the hop (160); the live window decoder starts windows on that grid.
public final class WindowLogMel {
    public let kernel: LogMelFrameKernel
    public var melBins: Int { kernel.bank.melBins }
    var hop: Int { kernel.hopLength }
    var half: Int { kernel.nFFT / 2 }

    /// The audio the cached frames were computed from: samples from absolute index `cacheFirst`.
    private var cacheSamples: [Float] = []
    private var cacheFirst = 0
    /// Raw frames (frame-major, bins each) centred at absolute samples `(frameLow + i) · hop`.
    private var cacheFrames: [Float] = []
    private var frameLow = 0
    private var zeroFrame: [Float]?

    /// Frames computed and frames taken from the cache, over all windows (for tests and benchmarks).
    public private(set) var computedFrames = 0
    public private(set) var reusedFrames = 0

    public init(melBins: Int = 80) {
        kernel = LogMelFrameKernel(melBins: melBins)
    }

    /// The features (bins × `frames`, row-major) of the window `content` (whose first sample has
    /// absolute index `first`) followed by `zeros` zero samples: the first `frames` frames of
    /// `LogMelSpectrogram(content + zeros, padding: 160)`, normalised over all of its frames, and
    /// zero past its last frame.
    public func features(_ content: ArraySlice<Float>, first: Int, zeros: Int, frames: Int) -> [Float] {
        let bins = melBins
        let n = content.count
        let length = n + max(0, zeros) + hop       // the padded signal (L)
        let total = length / hop                   // frames of the one-shot front end
        var raw = [Float](repeating: 0, count: total * bins)   // (total × bins) frame-major
        // Interior frames f (window positions f·hop − 200 ..< f·hop + 200 inside the content) when
        // the window lies on the absolute hop grid; the rest (and every frame off the grid) per window.
        let onGrid = first >= 0 && first % hop == 0 && n >= kernel.nFFT
        let interior = onGrid ? (half + hop - 1) / hop ..< max((half + hop - 1) / hop, (n - half) / hop + 1) : 0..<0
        if !interior.isEmpty { fillInterior(content, first: first, frames: interior, into: &raw) }
        // Frames from `silent` on see only zeros: positions ≥ n, and (L ≥ n + 160) so do their
        // reflections at the end. The frames between are computed per window.
        let silent = min(total, (n + half + hop - 1) / hop)
        if interior.isEmpty {
            perWindow(0..<silent, content, length: length, into: &raw)
        } else {
            perWindow(0..<interior.lowerBound, content, length: length, into: &raw)
            perWindow(interior.upperBound..<silent, content, length: length, into: &raw)
        }
        if silent < total {
            let zero = zeroFrameValues()
            for f in silent..<total { raw.replaceSubrange(f * bins ..< (f + 1) * bins, with: zero) }
        }
        // Normalised over all frames, as the one-shot front end; the first `frames` as (bins × frames).
        LogMelSpectrogram.normalize(&raw)
        var out = [Float](repeating: 0, count: bins * frames)
        for f in 0..<min(frames, total) {
            for b in 0..<bins { out[b * frames + f] = raw[f * bins + b] }
        }
        return out
    }

    /// The one-shot computation `features` equals (the reference for tests).
    public func oneShot(_ content: ArraySlice<Float>, zeros: Int, frames: Int) -> [Float] {
        let mel = LogMelSpectrogram(melBins: melBins)(Array(content) + [Float](repeating: 0, count: max(0, zeros)), padding: hop)
        var out = [Float](repeating: 0, count: mel.bins * frames)
        for b in 0..<mel.bins {
            for f in 0..<min(frames, mel.frames) { out[b * frames + f] = mel.data[b * mel.frames + f] }
        }
        return out
    }

    // MARK: - The cache

    /// Raw frames `frames` (window-relative) of content on the hop grid: from the cache where its
    /// samples agree with the content, computed otherwise; the cache then holds this window.
    private func fillInterior(_ content: ArraySlice<Float>, first: Int, frames: Range<Int>, into raw: inout [Float]) {
        let bins = melBins
        let base = first / hop                                  // absolute frame of window frame 0
        // Cached frames whose samples are all inside the overlap of the cached audio and this window.
        var reusable = 0..<0
        let lo = max(first, cacheFirst), hi = min(first + content.count, cacheFirst + cacheSamples.count)
        if hi > lo, !cacheFrames.isEmpty {
            let same = content.withUnsafeBufferPointer { c in
                cacheSamples.withUnsafeBufferPointer { s in
                    guard let c0 = c.baseAddress, let s0 = s.baseAddress else { return false }
                    return memcmpFloats(c0 + (lo - first), s0 + (lo - cacheFirst), hi - lo)
                }
            }
            if same {
                let cachedCount = cacheFrames.count / bins
                let fromAbs = max(frameLow, (lo + half + hop - 1) / hop, base + frames.lowerBound)
                let toAbs = min(frameLow + cachedCount, (hi - half) / hop + 1, base + frames.upperBound)
                if toAbs > fromAbs { reusable = (fromAbs - base)..<(toAbs - base) }
            }
        }
        for f in frames where reusable.contains(f) {
            let c = (base + f - frameLow) * bins
            raw.replaceSubrange(f * bins ..< (f + 1) * bins, with: cacheFrames[c ..< c + bins])
        }
        reusedFrames += reusable.count
        // Compute the rest: before and after the reusable run.
        let missing = reusable.isEmpty ? [frames] : [frames.lowerBound..<reusable.lowerBound, reusable.upperBound..<frames.upperBound]
        content.withUnsafeBufferPointer { c in
            raw.withUnsafeMutableBufferPointer { o in
                guard let c0 = c.baseAddress, let o0 = o.baseAddress else { return }
                for range in missing where !range.isEmpty {
                    // Interior frames read only content samples, so the content alone is the signal.
                    kernel.rawFrames(signal: UnsafeBufferPointer(start: c0, count: c.count), signalStart: 0,
                                     length: c.count, frames: range, out: o0 + range.lowerBound * bins)
                    computedFrames += range.count
                }
            }
        }
        // The cache becomes this window: its audio and its interior frames.
        cacheSamples = Array(content)
        cacheFirst = first
        frameLow = base + frames.lowerBound
        cacheFrames = Array(raw[frames.lowerBound * bins ..< frames.upperBound * bins])
    }

    /// Frames `range` of the window (content, then zeros up to `length`) computed from the samples
    /// they read: positions range.lowerBound·hop − 200 ..< range.upperBound·hop + 200, reflected at
    /// both ends (reflections land inside that span).
    private func perWindow(_ range: Range<Int>, _ content: ArraySlice<Float>, length: Int, into raw: inout [Float]) {
        guard !range.isEmpty else { return }
        let bins = melBins
        let from = max(0, range.lowerBound * hop - half)
        let to = min(length, range.upperBound * hop + half)
        let n = content.count
        var local = [Float](repeating: 0, count: max(0, to - from))   // signal[from ..< to]
        if min(n, to) > from {
            let c0 = content.startIndex
            local.replaceSubrange(0..<(min(n, to) - from), with: content[(c0 + from)..<(c0 + min(n, to))])
        }
        local.withUnsafeBufferPointer { s in
            raw.withUnsafeMutableBufferPointer { o in
                guard let o0 = o.baseAddress else { return }
                kernel.rawFrames(signal: s, signalStart: from, length: length, frames: range, out: o0 + range.lowerBound * bins)
            }
        }
        computedFrames += range.count
    }

    private func zeroFrameValues() -> [Float] {
        if let z = zeroFrame { return z }
        let zeros = [Float](repeating: 0, count: kernel.nFFT + hop)
        var out = [Float](repeating: 0, count: melBins)
        zeros.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                guard let o0 = o.baseAddress else { return }
                kernel.rawFrames(signal: s, signalStart: 0, length: s.count, frames: 1..<2, out: o0)
            }
        }
        zeroFrame = out
        return out
    }
}

/// True when `count` floats at `a` and `b` are bitwise equal.
@inline(__always)
func memcmpFloats(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Bool {
    memcmp(a, b, count * MemoryLayout<Float>.stride) == 0
}
