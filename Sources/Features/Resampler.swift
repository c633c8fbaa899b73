import CaptionCore
import Foundation

/// Band-limited sample-rate conversion by windowed-sinc interpolation (Kaiser window, polyphase
/// table), usable on a stream of chunks: the output of `process` over any chunking, followed by
/// `flush`, equals one call over the whole signal. Equal rates pass samples through bit-exactly.
/// Capture uses it through CaptionCore's `SampleRateConverter` seam (`Resampler.Factory`).
public struct Resampler: SampleRateConverter, Sendable {
    public let inputRate: Int
    public let outputRate: Int
    /// Up-sampling and down-sampling factors: output n sits at input time n · down / up.
    let up: Int
    let down: Int
    /// Input samples used on each side of an output instant.
    let halfWidth: Int
    let cutoff: Double
    /// up phases × (2 · halfWidth) taps; phase p holds h(k − p/up) for k in −halfWidth+1 … halfWidth.
    /// Complete (in phase order) for standard rate pairs and cached tables. For a pair with many
    /// phases (an odd rate: gcd 1 with 16 kHz gives 16,000) the rows are built as outputs first
    /// need them, in that order, and `rowOf` maps a phase to its row: a short clip at an odd rate
    /// costs rows for its few outputs instead of a table of millions of taps (a 1-KB WAV at
    /// 44,101 Hz built 1.5 M taps). Once every phase has a row the table is put in phase order
    /// and cached, so a long input ends where the eager build started.
    var table: [Float]
    /// Row of each phase in `table` while it is built lazily (−1: not built yet); empty when the
    /// table is complete and in phase order.
    var rowOf: [Int32] = []
    var rowsBuilt = 0

    /// Input not yet consumed; history[0] is input sample number `historyStart`.
    var history: [Float] = []
    var historyStart = 0
    var inputCount = 0
    var nextOutput = 0

    /// - Parameters:
    ///   - zeroCrossings: sinc lobes on each side at the lower rate (quality vs cost).
    ///   - rolloff: pass-band edge as a fraction of the lower Nyquist frequency.
    public init(inputRate: Int, outputRate: Int, zeroCrossings: Int = 16, rolloff: Double = 0.945) throws {
        guard (1...1_000_000).contains(inputRate), (1...1_000_000).contains(outputRate) else {
            throw FeaturesError.invalidSampleRate(input: inputRate, output: outputRate)
        }
        self.inputRate = inputRate
        self.outputRate = outputRate
        let g = Self.gcd(inputRate, outputRate)
        up = outputRate / g
        down = inputRate / g
        let cutoff = min(1.0, Double(outputRate) / Double(inputRate)) * rolloff
        self.cutoff = cutoff
        halfWidth = Int((Double(zeroCrossings) / cutoff).rounded(.up))
        // Every standard rate needs at most a few thousand floats; an odd high rate (546,338 Hz:
        // 8,000 phases × 1,158 taps, 37 MB and ~10 s to build; found by `make fuzz` in a 48-byte
        // WAV header) is refused rather than let a tiny file cost that much.
        let tableFloats = inputRate == outputRate ? 0 : up * 2 * halfWidth
        guard tableFloats <= Self.maxTableFloats else {
            throw FeaturesError.unsupportedRateRatio(input: inputRate, output: outputRate, tableFloats: tableFloats)
        }
        let key = FilterKey(up: up, halfWidth: halfWidth, cutoff: cutoff)
        if inputRate == outputRate {
            table = []
        } else if let cached = FilterCache.shared.get(key) {
            table = cached
        } else if tableFloats <= Self.eagerTableFloats {
            table = Self.builtTable(key)
        } else {
            table = []
            rowOf = [Int32](repeating: -1, count: up)
        }
    }

    /// Tables up to this many floats (256 KB) are built whole at once: every standard rate to
    /// 16 kHz (44.1, 88.2 and 176.4 kHz need ~15,000 floats, 11,025 Hz 21,760, 48 kHz 102). Larger
    /// ones (odd rates) are built row by row as outputs need them.
    static let eagerTableFloats = 1 << 16

    /// Largest polyphase table built (floats): 16 MB. 44,101 Hz → 16 kHz (16,000 phases) needs 1.5 M.
    public static let maxTableFloats = 1 << 22

    /// The polyphase table for (up, halfWidth, cutoff), shared between resamplers of the same rates:
    /// a table for an odd rate pair (gcd 1 with 16 kHz: 16,000 phases) takes tens of milliseconds
    /// to build, and every file, stream or chunked decoder of that rate used to build its own.
    static func filterTable(up: Int, halfWidth: Int, cutoff: Double) -> [Float] {
        let key = FilterKey(up: up, halfWidth: halfWidth, cutoff: cutoff)
        return FilterCache.shared.get(key) ?? builtTable(key)
    }

    /// The whole table for `key`, built now and put in the cache.
    private static func builtTable(_ key: FilterKey) -> [Float] {
        var table: [Float] = []
        table.reserveCapacity(key.up * 2 * key.halfWidth)
        for p in 0..<key.up { appendRow(phase: p, up: key.up, halfWidth: key.halfWidth, cutoff: key.cutoff, to: &table) }
        FilterCache.shared.put(key, table)
        return table
    }

    static let kaiserBeta = 8.6
    static let i0Beta = besselI0(kaiserBeta)

    /// Appends the 2 · halfWidth taps of phase `p`: h(k − p/up) for k in −halfWidth+1 … halfWidth.
    static func appendRow(phase p: Int, up: Int, halfWidth: Int, cutoff: Double, to table: inout [Float]) {
        let frac = Double(p) / Double(up)
        for j in 0..<(2 * halfWidth) {
            let x = Double(j - halfWidth + 1) - frac       // distance in input samples
            let u = x / Double(halfWidth)
            let window = abs(u) >= 1 ? 0 : Self.besselI0(kaiserBeta * (1 - u * u).squareRoot()) / i0Beta
            let t = cutoff * x
            let sinc = t == 0 ? 1 : sin(Double.pi * t) / (Double.pi * t)
            table.append(Float(cutoff * sinc * window))
        }
    }

    /// Builds the rows of the phases that outputs `outputs` use (lazy tables only); when every
    /// phase has its row, puts the table in phase order and caches it.
    mutating func buildRows(for outputs: Range<Int>) {
        guard !rowOf.isEmpty else { return }
        for n in outputs {
            let phase = (n * down) % up
            guard rowOf[phase] < 0 else { continue }
            rowOf[phase] = Int32(rowsBuilt)
            Self.appendRow(phase: phase, up: up, halfWidth: halfWidth, cutoff: cutoff, to: &table)
            rowsBuilt += 1
            if rowsBuilt == up { break }
        }
        guard rowsBuilt == up else { return }
        let taps = 2 * halfWidth
        var ordered = [Float](repeating: 0, count: up * taps)
        for p in 0..<up {
            let from = Int(rowOf[p]) * taps
            for j in 0..<taps { ordered[p * taps + j] = table[from + j] }
        }
        table = ordered
        rowOf = []
        FilterCache.shared.put(FilterKey(up: up, halfWidth: halfWidth, cutoff: cutoff), table)
    }

    /// Output samples for the chunk `input` (some outputs wait for look-ahead until later chunks).
    public mutating func process(_ input: [Float]) -> [Float] {
        if inputRate == outputRate { return input }
        history.append(contentsOf: input)
        inputCount += input.count
        return emit(available: inputCount)
    }

    /// The outputs still owed once the input has ended (the signal is taken as zero afterwards).
    public mutating func flush() -> [Float] {
        if inputRate == outputRate { return [] }
        let total = inputCount
        history.append(contentsOf: [Float](repeating: 0, count: halfWidth + 1))
        inputCount += halfWidth + 1
        let owed = (total * up + down - 1) / down      // ceil(total · out / in)
        var out = emit(available: inputCount)
        if nextOutput > owed {
            out.removeLast(nextOutput - owed)
            nextOutput = owed
        }
        return out
    }

    /// Makes resamplers (default quality) for the rate pairs capture meets at run time.
    public struct Factory: SampleRateConverterFactory {
        public init() {}

        public func makeConverter(inputRate: Int, outputRate: Int) throws -> any SampleRateConverter {
            try Resampler(inputRate: inputRate, outputRate: outputRate)
        }
    }

    /// Resamples a whole signal in one call.
    public static func resample(_ input: [Float], from inputRate: Int, to outputRate: Int) throws -> [Float] {
        var r = try Resampler(inputRate: inputRate, outputRate: outputRate)
        return r.process(input) + r.flush()
    }

    /// Emits every output whose window lies inside the first `available` input samples.
    mutating func emit(available: Int) -> [Float] {
        let taps = 2 * halfWidth
        var out: [Float] = []
        // Outputs n with (n · down) / up + halfWidth < available are due: n < ceil(k · up / down)
        // for k = available − halfWidth.
        let k = available - halfWidth
        let due = k > 0 ? max(nextOutput, (k * up + down - 1) / down) : nextOutput
        buildRows(for: nextOutput..<due)
        history.withUnsafeBufferPointer { h in
            table.withUnsafeBufferPointer { tab in
              rowOf.withUnsafeBufferPointer { rowOf in
                while true {
                    let pos = nextOutput * down
                    let centre = pos / up                  // input index at or before the instant
                    let phase = pos % up
                    let last = centre + halfWidth          // newest input sample needed
                    if last >= available { break }
                    let row = (rowOf.isEmpty ? phase : Int(rowOf[phase])) * taps
                    var acc: Float = 0
                    let first = centre - halfWidth + 1
                    for j in 0..<taps {
                        let idx = first + j - historyStart
                        if idx >= 0 { acc += h[idx] * tab[row + j] }  // before the start: zero
                    }
                    out.append(acc)
                    nextOutput += 1
                }
              }
            }
        }
        // Drop history no future output needs.
        let keepFrom = (nextOutput * down) / up - halfWidth + 1
        let drop = keepFrom - historyStart
        if drop > 0, drop <= history.count {
            history.removeFirst(drop)
            historyStart += drop
        }
        return out
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    /// Modified Bessel function of the first kind, order 0 (series).
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0, term = 1.0, k = 1.0
        let q = x * x / 4
        while term > 1e-12 * sum {
            term *= q / (k * k)
            sum += term
            k += 1
        }
        return sum
    }
}

struct FilterKey: Hashable {
    let up: Int
    let halfWidth: Int
    let cutoff: Double
}

/// A small process-wide cache of resampler tables, bounded in total size (least recently used
/// tables go first), so fuzzed or odd rates cannot grow it without limit.
final class FilterCache: @unchecked Sendable {
    static let shared = FilterCache()
    /// At most this many floats (16 MB) are kept.
    static let capacity = 4 << 20
    private let lock = NSLock()
    private var tables: [FilterKey: (table: [Float], used: UInt64)] = [:]
    private var clock: UInt64 = 0
    private var stored = 0

    func get(_ key: FilterKey) -> [Float]? {
        lock.lock(); defer { lock.unlock() }
        guard let entry = tables[key] else { return nil }
        clock += 1
        tables[key] = (entry.table, clock)
        return entry.table
    }

    func put(_ key: FilterKey, _ table: [Float]) {
        guard table.count <= Self.capacity / 4 else { return }
        lock.lock(); defer { lock.unlock() }
        guard tables[key] == nil else { return }
        while stored + table.count > Self.capacity, let oldest = tables.min(by: { $0.value.used < $1.value.used }) {
            stored -= oldest.value.table.count
            tables[oldest.key] = nil
        }
        clock += 1
        tables[key] = (table, clock)
        stored += table.count
    }

    var count: Int { lock.lock(); defer { lock.unlock() }; return tables.count }
    var storedFloats: Int { lock.lock(); defer { lock.unlock() }; return stored }
}
