import XCTest
import Glibc
import CaptionCore
import Features
@testable import Capture

/// The real alsa-lib path: a `file` capture PCM over `null`, configured in-process, reading a
/// shared speech clip written as raw PCM.
final class ALSACaptureTests: XCTestCase {
    private var tempFiles: [String] = []
    override func tearDown() { for f in tempFiles { unlink(f) } }

    private func capture(_ c: ALSAConfiguration, ringCapacity: Int, open: ALSACapture.Opener? = nil,
                         log: LogLines? = nil) throws -> (ALSACapture, [Float]) {
        let ring = SampleRing(capacity: ringCapacity)
        let cap = ALSACapture(configuration: c, ring: ring, resamplers: Resampler.Factory(), open: open, log: { log?.append($0) })
        try cap.run()
        XCTAssertEqual(ring.totalDropped, 0)
        return (cap, ALSAFileFixture.drain(ring))
    }

    func testMono16kS16IsBitExact() throws {
        let wav = try ALSAFileFixture.wav("whisper_cpp/jfk.wav")
        XCTAssertEqual(wav.sampleRate, 16000)
        let raw = try ALSAFileFixture.writeRaw([wav.monoSamples()], format: .s16LE, name: "jfk-s16")
        tempFiles.append(raw)
        let c = ALSAFileFixture.configuration(infile: raw, format: .s16LE, rate: 16000, channels: 1, frames: wav.frameCount)
        let (cap, got) = try capture(c, ringCapacity: wav.frameCount + 1000)
        XCTAssertEqual(got.count, wav.frameCount)
        XCTAssertTrue(got == wav.monoSamples(), "delivered samples differ from the WAV file")
        XCTAssertEqual(cap.statistics.overruns, 0)
        XCTAssertEqual(cap.statistics.deviceFrames, wav.frameCount)
    }

    func testS32AndFloatFormatsAreBitExactToo() throws {
        let wav = try ALSAFileFixture.wav("pocketsphinx/sense_and_sensibility_01_austen_64kb-0880.wav")
        let samples = wav.monoSamples()
        for format in [PCMSampleFormat.s32LE, .floatLE] {
            let raw = try ALSAFileFixture.writeRaw([samples], format: format, name: "880-\(format.rawValue)")
            tempFiles.append(raw)
            let c = ALSAFileFixture.configuration(infile: raw, format: format, rate: 16000, channels: 1, frames: samples.count)
            let (_, got) = try capture(c, ringCapacity: samples.count)
            XCTAssertTrue(got == samples, "\(format) capture differs")
        }
    }

    func testStereo44kIsDownmixedAndResampledTo16kMono() throws {
        let wav = try ALSAFileFixture.wav("speech_recognition/english.wav")
        XCTAssertEqual(wav.sampleRate, 44100)
        let left = wav.monoSamples()
        let right = left.map { $0 * 0.5 }
        let raw = try ALSAFileFixture.writeRaw([left, right], format: .s16LE, name: "english-stereo")
        tempFiles.append(raw)
        let c = ALSAFileFixture.configuration(infile: raw, format: .s16LE, rate: 44100, channels: 2, frames: left.count)
        let (cap, got) = try capture(c, ringCapacity: 100_000)
        // Reference: the same int16 quantisation, averaged, resampled in one call.
        let q = { (x: Float) in Float(Int16(max(-32768, min(32767, (x * 32768).rounded())))) / 32768 }
        let mono = zip(left, right).map { (q($0) + q($1)) / 2 }
        let expected = try Resampler.resample(mono, from: 44100, to: 16000)
        XCTAssertEqual(got.count, expected.count)
        let maxError = zip(got, expected).map { abs($0 - $1) }.max() ?? 1
        XCTAssertLessThan(maxError, 1e-5)
        XCTAssertEqual(cap.statistics.deviceFrames, left.count)
    }

    func testOverrunAndSuspendAreRecoveredAndCounted() throws {
        let wav = try ALSAFileFixture.wav("pocketsphinx/sense_and_sensibility_01_austen_64kb-0880.wav")
        let samples = wav.monoSamples()
        let raw = try ALSAFileFixture.writeRaw([samples], format: .s16LE, name: "880-faults")
        tempFiles.append(raw)
        let c = ALSAFileFixture.configuration(infile: raw, format: .s16LE, rate: 16000, channels: 1, frames: samples.count)
        var injected: FaultInjectingPCM?
        let (cap, got) = try capture(c, ringCapacity: samples.count, open: {
            let pcm = FaultInjectingPCM(try ALSAPCM(configuration: c), errorsAtRead: [3: -EPIPE, 7: -ESTRPIPE, 9: -EPIPE],
                                        resumeResults: [-EAGAIN, -EAGAIN, 0])
            injected = pcm
            return pcm
        })
        XCTAssertEqual(cap.statistics.overruns, 2)
        XCTAssertEqual(cap.statistics.suspends, 1)
        XCTAssertEqual(cap.statistics.reopens, 0)
        XCTAssertEqual(injected?.prepares, 2)
        XCTAssertEqual(injected?.resumes, 3)
        XCTAssertTrue(got == samples, "injected errors must not lose or reorder audio")
    }

    func testDeviceLossClosesAndReopensWithBackoff() throws {
        let wav = try ALSAFileFixture.wav("pocketsphinx/sense_and_sensibility_01_austen_64kb-0880.wav")
        let samples = wav.monoSamples()
        let raw = try ALSAFileFixture.writeRaw([samples], format: .s16LE, name: "880-loss")
        tempFiles.append(raw)
        let limit = 10 * 320
        let c = ALSAFileFixture.configuration(infile: raw, format: .s16LE, rate: 16000, channels: 1, frames: limit)
        var opens = 0
        let lines = LogLines()
        let (cap, got) = try capture(c, ringCapacity: 100_000, open: {
            opens += 1
            switch opens {
            case 1: return FaultInjectingPCM(try ALSAPCM(configuration: c), errorsAtRead: [4: -ENODEV])
            case 2: throw CaptureError.alsa(function: "snd_pcm_open_lconf", device: c.device, code: -ENOENT)
            default: return try ALSAPCM(configuration: c)
            }
        }, log: lines)
        XCTAssertEqual(opens, 3)
        XCTAssertEqual(cap.statistics.reopens, 1)
        XCTAssertEqual(lines.all.count, 3, "\(lines.all)")
        XCTAssertTrue(lines.all[0].contains("lost (No such device)"), lines.all[0])
        XCTAssertTrue(lines.all[2].contains("reopened after 2 attempt(s)"), lines.all[2])
        // Four periods before the loss, then the reopened file PCM starts from its beginning.
        XCTAssertEqual(got.count, limit)
        XCTAssertTrue(Array(got[0..<1280]) == Array(samples[0..<1280]))
        XCTAssertTrue(Array(got[1280...]) == Array(samples[0..<(limit - 1280)]))
    }

    func testReopenGivesUpAfterTheAttemptLimit() throws {
        let raw = try ALSAFileFixture.writeRaw([[Float](repeating: 0.1, count: 3200)], format: .s16LE, name: "giveup")
        tempFiles.append(raw)
        var c = ALSAFileFixture.configuration(infile: raw, format: .s16LE, rate: 16000, channels: 1, frames: 3200)
        c.maxReopenAttempts = 2
        let good = c
        var opens = 0
        let ring = SampleRing(capacity: 4000)
        let cap = ALSACapture(configuration: c, ring: ring, resamplers: Resampler.Factory(), open: {
            opens += 1
            if opens == 1 { return FaultInjectingPCM(try ALSAPCM(configuration: good), errorsAtRead: [1: -EIO]) }
            var missing = good
            missing.configText = ALSAConfiguration.filePCMConfig(name: "captiondtest", infile: "/nonexistent/in.raw")
            return try ALSAPCM(configuration: missing)
        })
        XCTAssertThrowsError(try cap.run()) { error in
            guard case .gaveUp(let device, let attempts, let last)? = error as? CaptureError else { return XCTFail("\(error)") }
            XCTAssertEqual(device, "captiondtest")
            XCTAssertEqual(attempts, 2)
            XCTAssertTrue(last.contains("snd_pcm_open_lconf"), last)
        }
        XCTAssertEqual(ring.totalWritten, 320)
    }

    func testMissingInfileFailsAtOpenWithTheFunctionAndErrno() {
        let c = ALSAFileFixture.configuration(infile: "/nonexistent/in.raw", format: .s16LE, rate: 16000, channels: 1, frames: 1)
        XCTAssertThrowsError(try ALSAPCM(configuration: c)) { error in
            XCTAssertEqual(error as? CaptureError, .alsa(function: "snd_pcm_open_lconf", device: "captiondtest", code: -ENOENT))
            XCTAssertTrue("\(error)".contains("No such file or directory"), "\(error)")
        }
        XCTAssertThrowsError(try ALSAPCM(configuration: ALSAConfiguration(device: "captiond_no_such_pcm_name")))
    }

    func testTimestampsFollowFrameCountsAndStopIsPrompt() throws {
        let raw = try ALSAFileFixture.writeRaw([[Float](repeating: 0.25, count: 160_000)], format: .s16LE, name: "paced")
        tempFiles.append(raw)
        var c = ALSAFileFixture.configuration(infile: raw, format: .s16LE, rate: 16000, channels: 1, frames: 160_000)
        c.paceRealTime = true
        let ring = SampleRing(capacity: 160_000)
        let cap = ALSACapture(configuration: c, ring: ring, resamplers: Resampler.Factory())
        let before = MonotonicClock.now()
        cap.start()
        // Wait on the ring's own wake-up (the reader side of the capture), not on a sleep loop.
        var read = 0
        let deadline = MonotonicClock.now() + 30
        while read < 1600 {
            guard ring.waitForSamples(timeout: max(0, deadline - MonotonicClock.now())),
                  let chunk = ring.read(maxCount: 16_000) else {
                _ = cap.stop()
                return XCTFail("no 1600 samples within 30 s (got \(read))")
            }
            read += chunk.samples.count
        }
        XCTAssertNil(cap.stop())
        let n = cap.statistics.deliveredSamples
        XCTAssertLessThan(n, 160_000, "stop() must end a paced 10 s capture early")
        guard let t0 = ring.time(ofSample: 0), let t1 = ring.time(ofSample: UInt64(n - 1)) else { return XCTFail("no times") }
        XCTAssertGreaterThanOrEqual(t0, before)
        XCTAssertEqual(t1 - t0, Double(n - 1) / 16000, accuracy: 1e-9)
    }
}
