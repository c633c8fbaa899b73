/// Runs of word keys (`CaptionText.key`) compared with each other: the one matcher behind the
/// repeat rules (a window decode that reads its text again, `RepeatedTranscript`; new words that
/// say the committed text's last phrase again, `LocalAgreement.repeatedLeadingWords`; the guard's
/// loop rule, `HallucinationGuard.repetitionLoop`). Words are compared by key only, so "Home."
/// and "home" are the same word.
struct KeyRuns: Equatable {
    let keys: [String]

    init(keys: [String]) { self.keys = keys }
    init(_ words: [Word]) { keys = words.map { CaptionText.key($0.text) } }

    var count: Int { keys.count }

    /// True when the `length` keys from `i` equal the `length` keys from `j` (both runs inside).
    func same(_ i: Int, _ j: Int, length: Int) -> Bool {
        guard length >= 0, i >= 0, j >= 0, i + length <= keys.count, j + length <= keys.count else { return false }
        return keys[i..<(i + length)].elementsEqual(keys[j..<(j + length)])
    }

    /// How many copies of the `length`-key run at `i` follow each other from `i` (1: the run
    /// itself, not repeated; 0 for an empty or out-of-range run).
    func copies(at i: Int, length: Int) -> Int {
        guard length > 0, i >= 0, i + length <= keys.count else { return 0 }
        var n = 1
        while same(i, i + n * length, length: length) { n += 1 }
        return n
    }

    /// The longest run of `minimum`…`longest` keys that ends `before` and starts `self` (the
    /// leading keys saying the last keys of `before` again), or 0 when no such run exists.
    func leadingOverlap(with before: KeyRuns, minimum: Int = 1, longest: Int = .max) -> Int {
        let n = min(longest, keys.count, before.keys.count)
        guard n >= max(1, minimum) else { return 0 }
        for k in stride(from: n, through: max(1, minimum), by: -1)
        where keys[0..<k].elementsEqual(before.keys[(before.keys.count - k)...]) {
            return k
        }
        return 0
    }
}
