import CaptionCore

/// Turns the policy's events into caption events under `video.gate`: with `tag` every event gets
/// the speaker the camera saw over its span; with `strict` only words a face on camera spoke are
/// kept (a word is kept when a face spoke within `margin` seconds of it, or when there was no
/// video); with `off` (or no camera) events pass unchanged, without a speaker.
///
/// Strict keeps the protocol's promise that a partial's `stable` prefix is never revised: a word
/// is shown only once the camera has judged the audio up to `margin` after it, and a word not yet
/// judged holds back the words after it.
struct SpeakerTagging {
    let gate: VideoGate
    let activity: SpeakerActivity?
    var margin = 0.5
    private var shown: Set<Int> = []
    private var lastPartial: [Int: (String, String)] = [:]

    init(gate: VideoGate, activity: SpeakerActivity?) {
        self.gate = gate
        self.activity = gate == .off ? nil : activity
    }

    mutating func caption(_ e: StreamingEvent, lang: String) -> CaptionEvent? {
        guard let activity else { return Self.plain(e, lang: lang, speaker: nil) }
        let speaker = activity.speaker(from: e.start, to: e.end)
        guard gate == .strict else { return Self.plain(e, lang: lang, speaker: speaker) }

        // Which words a face on camera spoke; `undecided` stops a partial at that word.
        func verdict(_ w: Word, final: Bool) -> FaceSpoke {
            let upper = w.end + margin
            if final, case .undecided = activity.faceSpoke(from: w.start - margin, to: upper) {
                // Input ended (or a forced final): judge on what was seen.
                return activity.faceSpoke(from: w.start - margin, to: max(w.start - margin, min(upper, activity.judgedUntil)))
            }
            return activity.faceSpoke(from: w.start - margin, to: upper)
        }
        switch e.kind {
        case .final:
            let kept = e.words.filter { verdict($0, final: true) != .no }
            let text = CaptionText.join(kept.map(\.text))
            defer { shown.remove(e.utterance); lastPartial[e.utterance] = nil }
            if text.isEmpty && !shown.contains(e.utterance) { return nil }
            var f = e
            f.words = kept; f.text = text; f.stable = text
            return Self.plain(f, lang: lang, speaker: speaker)
        case .partial:
            var committedCount = 0
            var joined: [String] = []
            for w in e.words {
                if CaptionText.join(joined) == e.stable { break }
                joined.append(w.text); committedCount += 1
            }
            if CaptionText.join(joined) != e.stable { committedCount = 0 }
            var stable: [String] = [], text: [String] = [], kept: [Word] = []
            for (i, w) in e.words.enumerated() {
                let v = verdict(w, final: false)
                if v == .undecided { break }
                if v == .no { continue }
                text.append(w.text); kept.append(w)
                if i < committedCount { stable.append(w.text) }
            }
            let t = CaptionText.join(text), s = CaptionText.join(stable)
            guard !t.isEmpty else { return nil }
            if let last = lastPartial[e.utterance], last == (t, s) { return nil }
            lastPartial[e.utterance] = (t, s)
            shown.insert(e.utterance)
            var p = e
            p.text = t; p.stable = s; p.words = kept
            return Self.plain(p, lang: lang, speaker: speaker)
        }
    }

    static func plain(_ e: StreamingEvent, lang: String?, speaker: CaptionSpeaker?) -> CaptionEvent {
        let lang = e.lang ?? lang ?? ""
        switch e.kind {
        case .partial:
            // The shown words with the window decode's times, as a final's (absent without words).
            return .partial(CaptionPartial(utterance: e.utterance, text: e.text, stable: e.stable,
                                           start: e.start, end: e.end, lang: lang, speaker: speaker,
                                           words: e.words.isEmpty ? nil : captionWords(e.words), timing: e.timing?.rawValue))
        case .final:
            return .final(CaptionFinal(utterance: e.utterance, text: e.text, start: e.start, end: e.end, lang: lang,
                                       words: captionWords(e.words), speaker: speaker, timing: e.timing?.rawValue))
        }
    }

    static func captionWords(_ words: [Word]) -> [CaptionWord] {
        words.map { CaptionWord(word: $0.text, start: $0.start, end: $0.end, probability: $0.probability) }
    }
}
