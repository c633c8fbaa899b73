/// A window decode that starts its text over. Given a window whose speech ends before the
/// padding, Whisper (tiny.en, prompted with the earlier finals) often reads the whole window again
/// and again until its token budget: "The two stray kittens gradually make themselves at home. The
/// two stray kittens gradually make themselves at home. The two …". The phrase is longer than the
/// token n-grams `RepetitionLoop.cut` cuts and the word n-grams the guard's loop
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

    /// Words the decoder may put between its first reading and the next (a stray "2" in "… at
    /// home. 2 The two stray kittens …", keepup bench, early final pass): `firstCopy` needs the
    /// copies back to back and missed it.
    static let maximumGapWords = 2

    /// The first reading when the transcript reads itself again from its first word: a first
    /// sentence-ending stretch of at least `minimumWords` words, then up to `maximumGapWords`
    /// words, then at least `minimumWords` of the same words from the start again (the second
    /// reading may be cut short by the token budget). Nil otherwise. Only a repeat of the
    /// transcript's beginning ending a sentence counts, so speech that repeats a phrase after a
    /// few words ("we shall fight on the beaches, we shall fight on the seas") stays.
    static func restartedReading(_ words: [Word]) -> [Word]? {
        let runs = KeyRuns(words)
        guard runs.count >= 2 * minimumWords else { return nil }
        for n in minimumWords..<words.count where CaptionText.endsSentence(words[n - 1].text) {
            for gap in 0...maximumGapWords {
                let length = min(n, words.count - n - gap)
                if length >= minimumWords, runs.same(0, n + gap, length: length) { return Array(words[..<n]) }
            }
        }
        return nil
    }

    /// The words without a copy of the words before it that ends the transcript and that the
    /// decoder squeezed into no time (one of its words decoded shorter than
    /// `LocalAgreement.squeezedSeconds`); nil when there is none. Prompted with the earlier
    /// finals, a final pass over "ask not" read "Ask not! Ask not!" with the second "Ask" at 0 s
    /// (the daemon's final at SIGTERM, 6 of 6 stress runs); base, prompted with "换一首歌", read
    /// "换一首歌换一首歌" with the last three characters at 0 s, and the anomalous-tail rule then
    /// dropped the whole one-segment pass (CI stop 32: every other utterance of a looped clip had
    /// no final). A repeat with its own duration is speech ("no, no") and stays.
    static func squeezedTailCopy(_ words: [Word]) -> [Word]? {
        let runs = KeyRuns(words)
        for n in stride(from: words.count / 2, through: 1, by: -1)
        where runs.same(words.count - 2 * n, words.count - n, length: n) {
            let copy = words.suffix(n)
            if copy.contains(where: LocalAgreement.isSqueezed) {
                return Array(words.dropLast(n))
            }
        }
        return nil
    }
}
