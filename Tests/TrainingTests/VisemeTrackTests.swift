import Foundation
import XCTest
@testable import Training

final class VisemeTrackTests: XCTestCase {
    /// The viseme segments start exactly at espeak-ng's phoneme events, the phonemes cover the audio,
    /// and each frame whose centre lies in a phoneme shows that phoneme's viseme.
    func testVisemeTrackIsAlignedWithPhonemeEvents() throws {
        let speech = try EspeakSynthesizer.synthesize("bin blue at f two now", style: SpeechStyle(voice: "en-us", wordsPerMinute: 150))
        XCTAssertEqual(speech.sampleRate, 22_050)
        let names = speech.phonemes.map(\.phoneme)
        // espeak-ng's transcription of the sentence: b'In bl'u: at# 'Ef t'u: n'aU (stress marks dropped in events).
        for expected in ["b", "I", "n", "l", "u:", "f", "t", "aU"] {
            XCTAssertTrue(names.contains(expected), "phoneme \(expected) missing from \(names)")
        }
        let duration = Double(speech.durationMs)
        // The last event lies at the end of the audio (within 20 ms).
        XCTAssertLessThanOrEqual(abs(Double(try XCTUnwrap(speech.phonemes.last).startMs) - duration), 20)
        let track = VisemeTrack(phonemes: speech.phonemes, durationMs: duration)
        var segmentIndex = 0
        for event in speech.phonemes {
            let visemes = PhonemeVisemeTable.visemes(for: event.phoneme)?.count ?? 1
            XCTAssertEqual(track.segments[segmentIndex].startMs, Double(event.startMs))
            XCTAssertEqual(track.segments[segmentIndex].phoneme, event.phoneme)
            segmentIndex += visemes
        }
        XCTAssertEqual(segmentIndex, track.segments.count)
        let frames = track.frameVisemes()
        XCTAssertEqual(frames.count, Int((duration / 40).rounded(.up)))
        var checked = 0
        for (k, v) in frames.enumerated() {
            let t = VisemeTrack.frameCentreMs(k)
            guard let event = speech.phonemes.last(where: { Double($0.startMs) <= t }),
                  let visemes = PhonemeVisemeTable.visemes(for: event.phoneme) else { continue }
            XCTAssertTrue(visemes.contains(v), "frame \(k) at \(t) ms shows \(v) inside \(event.phoneme)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, frames.count / 2)
        // Lips close for the bilabial b and open for the vowels (co-articulated shapes).
        let b = try XCTUnwrap(track.segments.first { $0.phoneme == "b" })
        let au = try XCTUnwrap(track.segments.first { $0.phoneme == "aU" && $0.viseme == .aa })
        XCTAssertLessThan(track.shape(at: b.centreMs).opening, 0.1)
        XCTAssertGreaterThan(track.shape(at: au.centreMs).opening, 0.3)
    }

    /// Every phoneme name espeak-ng produced for English here maps to a lip shape (only pauses → sil).
    func testPhonemeTableCoversEspeakEnglish() {
        let seen = "p b m f v T D t d k g N tS dZ S Z s z n l r w j a A@ V E e@ eI @ @2 3 3: I I# i i: i@3 0 O: oU OI U u: aI aU"
        for p in seen.split(separator: " ") {
            let v = PhonemeVisemeTable.visemes(for: String(p))
            XCTAssertNotNil(v, String(p))
            XCTAssertFalse(v?.contains(.sil) ?? true, "\(p) maps to silence")
        }
        XCTAssertEqual(PhonemeVisemeTable.visemes(for: "_:"), [.sil])
        XCTAssertNil(PhonemeVisemeTable.visemes(for: "h"))
        XCTAssertEqual(PhonemeVisemeTable.visemes(for: "p"), [.PP])
        XCTAssertEqual(PhonemeVisemeTable.visemes(for: "aI"), [.aa, .I])
        // h takes the following phoneme's viseme.
        let track = VisemeTrack(phonemes: [.init(phoneme: "h", startMs: 0), .init(phoneme: "u:", startMs: 50)], durationMs: 150)
        XCTAssertEqual(track.segments.map(\.viseme), [.U, .U])
    }
}
