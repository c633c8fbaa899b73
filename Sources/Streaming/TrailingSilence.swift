/// Words a decoder put in the silence after an utterance. Prompted with the earlier finals, Whisper
/// fills trailing silence with text it has read ("… asthma. 2 2 3 She doesn't pick them up …"
/// after the speech had ended): the words exist, with good probabilities, but their decoded times
/// lie where the voice-activity detector heard nothing. A final ends at the speech end, so a run
/// of last words that start at or after it is dropped.
enum TrailingSilence {
    /// `words` without their trailing run of words whose decoded start is at or after `speechEnd`
    /// (capture-clock seconds; the VAD's hangover already lies before it). Words with estimated
    /// (spread) times are kept: their times say nothing about where they were heard.
    static func dropping(_ words: [Word], speechEnd: Double) -> [Word] {
        var n = words.count
        while n > 0, words[n - 1].timing == .decoded, words[n - 1].start >= speechEnd { n -= 1 }
        return Array(words[..<n])
    }
}
