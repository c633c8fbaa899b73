import CaptionCore
import Capture
import Features
import Foundation
import Vision

/// The microphone of `captionctl faces --device`: an ALSA capture PCM read by Capture's
/// `ALSACapture` (the daemon's microphone loop) into a `SampleRing`, stamped on CLOCK_MONOTONIC —
/// the clock of the V4L2 frames — and handed to the analyser up to each frame's time, so the
/// speaking score hears the audio of the moments it sees.
final class FacesMicrophone: @unchecked Sendable {
    let device: String
    private let capture: ALSACapture
    private let ring: SampleRing
    private let lock = NSLock()
    private let finished = DispatchSemaphore(value: 0)
    private var failure: Error?
    private var ended = false
    private var thread: Thread?
    /// Capture time up to which audio has been handed to the analyser.
    private(set) var heardUntil = -Double.infinity
    /// Frames analysed before their audio arrived (the microphone `patience` seconds late).
    private(set) var lateFrames = 0

    /// Opens the PCM now (so a wrong name fails before the camera starts). `paceRealTime`: reads
    /// follow the wall clock, for PCMs no sound card paces (alsa-lib's `file` plugin over `null`).
    init(device: String, paceRealTime: Bool) throws {
        self.device = device
        var config = ALSAConfiguration(device: device)
        config.paceRealTime = paceRealTime
        config.maxReopenAttempts = 3
        let first: PCMStream
        do {
            first = try ALSAPCM(configuration: config)
        } catch let error as CaptureError {
            throw FacesFailure("--audio-device \(device): cannot open the microphone: \(error.description) "
                               + "(`arecord -L` lists capture PCMs; --audio-device none analyses without audio, "
                               + "so without a speaking probability)")
        }
        var opened: PCMStream? = first
        ring = SampleRing(capacity: 10 * AudioRate.model)
        capture = ALSACapture(configuration: config, ring: ring, resamplers: Resampler.Factory(), open: {
            if let pcm = opened { opened = nil; return pcm }
            return try ALSAPCM(configuration: config)
        }, log: { line in FileHandle.standardError.write(Data("captionctl faces: \(line)\n".utf8)) })
    }

    func start() {
        let t = Thread { [self] in
            var error: Error?
            do { try capture.run() } catch let e { error = e }
            lock.lock(); failure = error; ended = true; lock.unlock()
            finished.signal()
        }
        t.name = "captionctl.alsa"
        thread = t
        t.start()
    }

    /// Ends the capture and waits for its thread.
    func stop() {
        guard thread != nil else { return }
        _ = capture.stop()
        finished.wait()
        thread = nil
    }

    /// Hands `analyzer` every sample captured up to `time`, waiting at most until `patience`
    /// seconds after `time` for them. Throws when the microphone failed (lost and not reopened).
    func feed(_ analyzer: FaceVideoAnalyzer, upTo time: Double, patience: Double = 0.5) throws {
        while true {
            while let chunk = ring.read(maxCount: AudioRate.model) {
                analyzer.addAudio(chunk.samples, startTime: chunk.startTime)
                heardUntil = chunk.startTime + Double(chunk.samples.count) / Double(chunk.sampleRate)
            }
            if heardUntil >= time { return }
            lock.lock(); let (error, over) = (failure, ended); lock.unlock()
            if let error {
                let text = (error as? CaptureError)?.description ?? "\(error)"
                throw FacesFailure("--audio-device \(device): the microphone stopped: \(text)")
            }
            if over { return }
            let left = time + patience - MonotonicClock.now()
            if left <= 0 { lateFrames += 1; return }
            _ = ring.waitForSamples(timeout: min(left, 0.05))
        }
    }
}
