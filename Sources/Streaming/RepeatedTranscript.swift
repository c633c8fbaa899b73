/// A window decode that starts its text over. Given a window whose speech ends before the
/// padding, Whisper (tiny.en, prompted with the earlier finals) often reads the whole window again
/// and again until its token budget: "The two stray kittens gradually make themselves at home. The
/// two stray kittens gradually make themselves at home. The two …". The phrase is longer than the
/// token n-grams `WhisperWindowDecoder.cutRepetition` cuts and the word n-grams the guard's loop
/// rule finds, so the compression-ratio rule dropped the whole hypothesis, and with it the only
/// decodes of the utterance's last words: the final kept the stale words of an earlier window
/// ("The two stray kittens gradually make.", keepup bench). Here the first copy is kept.
enum RepeatedTranscript {
    /// Shortest phrase that counts as a repeat (words): shorter back-to-back repeats are speech
    /// ("no, no"), or the guard's loop rule catches them (4 copies of one word, 3 of 2–6 words).
    static let minimumWords = 4

    /// The words up to the end of the first copy of a phrase of at least `minimumWords` words
    /// that the words right after it repeat (compared by `CaptionText.key`), at the earliest such
    /// phrase; nil when nothing repeats.
    static func firstCopy(_ words: [Word]) -> [Word]? {
        let runs = KeyRuns(words)
        guard runs.count >= 2 * minimumWords else { return nil }
        for i in 0...(runs.count - 2 * minimumWords) {
            var n = minimumWords
            while i + 2 * n <= runs.count {
                if runs.same(i, i + n, length: n) { return Array(words[..<(i + n)]) }
                n += 1
            }
        }
        return nil
    }
}
