import CaptionCore

/// The speaking decisions of the face analysis over time (one every `SpeakerTimeline.step` seconds
/// of audio), and the two questions the captioner asks of them. A pure type, so tests can write
/// decisions directly.
public struct SpeakerTimeline: Sendable {
    public struct Decision: Equatable, Sendable {
        public var time: Double
        /// The audio VAD said speech here.
        public var voiced: Bool
        /// Frames were arriving (analysed within `stale` seconds).
        public var video: Bool
        /// The speaking face and its box (frame pixels), nil when no face speaks.
        public var face: Int?
        public var box: [Double]?
        public init(time: Double, voiced: Bool, video: Bool, face: Int? = nil, box: [Double]? = nil) {
            self.time = time; self.voiced = voiced; self.video = video; self.face = face; self.box = box
        }
    }

    /// Seconds of decisions kept (longer than the longest utterance plus its final pass).
    public var keep = 90.0
    /// A face is the speaker of a caption when it speaks in at least this fraction of the
    /// caption's voiced decisions.
    public var speakerShare = 0.2
    public private(set) var decisions: [Decision] = []

    public init() {}

    public mutating func append(_ d: Decision) {
        decisions.append(d)
        if let first = decisions.first, d.time - first.time > keep + 10,
           let cut = decisions.firstIndex(where: { d.time - $0.time <= keep }) {
            decisions.removeFirst(cut)
        }
    }

    /// Time of the latest decision (audio judged up to here).
    public var horizon: Double { decisions.last?.time ?? -Double.infinity }

    private func span(_ start: Double, _ end: Double) -> ArraySlice<Decision> {
        // decisions are in time order: binary search the first at or after `start`
        var lo = 0, hi = decisions.count
        while lo < hi { let mid = (lo + hi) / 2; if decisions[mid].time < start { lo = mid + 1 } else { hi = mid } }
        var k = lo
        while k < decisions.count && decisions[k].time <= end { k += 1 }
        return decisions[lo..<k]
    }

    /// The caption's speaker over [start, end]: the face speaking in most of its voiced decisions
    /// (at least `speakerShare` of them), else off camera; nil when no decision there had video.
    public func speaker(from start: Double, to end: Double) -> CaptionSpeaker? {
        let withVideo = span(start, end).filter(\.video)
        guard !withVideo.isEmpty else { return nil }
        let voiced = withVideo.filter(\.voiced)
        var counts: [Int: Int] = [:]
        for d in withVideo { if let f = d.face { counts[f, default: 0] += 1 } }
        guard let best = counts.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }),
              Double(best.value) >= max(1, speakerShare * Double(voiced.count)) else { return .offCamera }
        let box = withVideo.last(where: { $0.face == best.key })?.box ?? []
        return .face(id: best.key, box: box)
    }

    /// Whether a face on camera spoke within [start, end].
    public func faceSpoke(from start: Double, to end: Double) -> FaceSpoke {
        if end > horizon { return .undecided }
        let s = span(start, end)
        if s.contains(where: { $0.face != nil }) { return .yes }
        return s.contains(where: \.video) ? .no : .noVideo
    }
}
