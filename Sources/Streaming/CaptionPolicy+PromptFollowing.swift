/// A window decode that followed its prompt rather than the audio.
///
/// Window decodes are prompted with the committed text before the window, as Whisper conditions on
/// previous text. A prompt ending mid-phrase pulls the decoder towards its continuation, and when
/// the audio holds that continuation further on, the decoder skips the speech before it. Seen
/// with a slow decode (ASan, a busy core, `captionctl simulate --paced --slowdown 8`): the window
/// was trimmed after "… ask not what your country can do for"; the next decode, prompted so, read
/// "your country." over "you. Ask what you can do for your country.", two decodes agreed, and the
/// final (its pass skipped for time) lost six words.
///
/// The alignment pass that times the words decodes the text without the prompt, so each word's
/// probability says how plausible it is from the audio alone: that decode's "your" had 0.0003
/// (the word was stretched over the 2.2 s of skipped speech). A prompted decode whose first new
/// word (after the committed words the window re-reads) is below `promptedFirstMinProbability` is
/// dropped, and the utterance's later window decodes go without a prompt; the next read "you. Ask
/// what you can do for your country." Only for the rest of the utterance: prompted again, a later
/// window of the same speech tends to skip the same way, and each skip costs a decode.
///
/// A final pass shortened for time (`LiveSchedule.FinalPlan.fromWindow`) is prompted the same way,
/// with the committed text before its start, and can skip the same way. Judged by the same bar, a
/// pass that did is not used: the final is built from the window decodes, as when the pass is
/// skipped (a second pass without the prompt is what the budget did not afford).
extension CaptionPolicy {
    /// The first word of `words` (a window decode's) that departs from the committed words the
    /// window holds, read in order: where the decode stops re-reading them. A decode that follows
    /// its prompt departs there, either after all of them (the first new word) or before their end,
    /// skipping committed speech: after "… What your country can do" a window holding the committed
    /// "for you. Ask what you can do" read "for (0.10) your (0.01) country." at `--slowdown 12`,
    /// and the alignment (`LocalAgreement.newWords`) took every word of it for a re-read, so no
    /// word was new and the utterance's last words were lost. Nil when the decode re-reads them all
    /// and says nothing more.
    static func firstDepartingWord(_ words: [Word], from committedInWindow: [Word]) -> Word? {
        for (i, word) in words.enumerated() {
            guard i < committedInWindow.count else { return word }
            if CaptionText.key(word.text) != CaptionText.key(committedInWindow[i].text) { return word }
        }
        return nil
    }

    /// True (and counted) when a prompted decode of a window trimmed at the utterance's committed
    /// text departs from the committed words it re-reads (whose audio the window holds) with a
    /// word its audio alone makes all but impossible: `firstDeparting`, the first word that is not
    /// the next committed one (`firstDepartingWord`; a new word, or a skip over committed speech).
    mutating func followedPrompt(firstDeparting: Word?) -> Bool {
        let bar = configuration.promptedFirstMinProbability
        // Only once the window starts inside the utterance, after its committed words: before
        // that the prompt is the earlier finals, across a pause, and a decode of the opening's
        // short window that the bar drops (Mandarin "会 (0.00) 议" over 0.7 s) is a misreading,
        // not a skip, that withholding the prompt did not mend (simulated: first appearance
        // median 0.48 -> 0.62 s, CER unchanged).
        guard lastWindowPrompted, bar > 0, !committedWords.isEmpty, windowStart > utteranceAudioStart,
              let first = firstDeparting?.probability, first < bar else { return false }
        promptFollowingDecodes += 1
        promptWithheld = true
        return true
    }

    /// True (and counted) when the open utterance's shortened final pass over [from, …), prompted,
    /// departs from the committed words it re-reads with a word its audio alone makes all but
    /// impossible (below `promptedFirstMinProbability`; `firstDepartingWord`).
    mutating func shortPassFollowedPrompt(_ decoded: Hypothesis, from: SampleIndex) -> Bool {
        let bar = configuration.promptedFirstMinProbability
        guard shortPassPrompted, bar > 0 else { return false }
        // The committed words inside the pass, as `ShortPassJoin.words` takes them.
        let inside = committedWords.filter { $0.end > clock.seconds(from) + 1e-6 }
        let h = decoded.normalized()
        guard let first = Self.firstDepartingWord(h.words, from: inside)?.probability, first < bar else { return false }
        promptFollowingDecodes += 1
        return true
    }
}
